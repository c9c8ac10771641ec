"""A small reader/writer for gettext .po files (enough for our catalogues; no extra dependency).

python scripts/po.py fill-source locale/zh_Hans/LC_MESSAGES/django.po
    Copies each msgid into an empty msgstr: the source strings are Simplified Chinese, so the
    zh_Hans catalogue is the identity, and stays complete after each `make messages`.
python scripts/po.py missing locale/en/LC_MESSAGES/django.po
    Lists entries without a translation (or marked fuzzy); exits 1 if there are any.
python scripts/po.py fill-from locale/en/LC_MESSAGES/django.po TRANSLATIONS.tsv
    Fills untranslated (or fuzzy) entries from a file of "msgid<TAB>translation" lines
    (escapes: \\n for a newline, \\t for a tab); prints the lines that matched no entry.
"""

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    comments: list[str] = field(default_factory=list)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # index -1 for a singular msgstr

    @property
    def fuzzy(self) -> bool:
        return any(c.startswith("#,") and "fuzzy" in c for c in self.comments)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(v for v in self.msgstr.values()) and not self.fuzzy


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def parse(path: Path) -> list[Entry]:
    entries, entry, target = [], Entry(), None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if entry.msgid or entry.msgstr:
                entries.append(entry)
            entry, target = Entry(), None
            continue
        if line.startswith("#"):
            entry.comments.append(line)
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if match:
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index) if index is not None else -1)
                entry.msgstr[target[1]] = value
            else:
                target = (keyword, None)
                setattr(entry, keyword, value)
        elif line.startswith('"') and target:
            value = _unquote(line)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += value
            else:
                setattr(entry, target[0], (getattr(entry, target[0]) or "") + value)
    return entries


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def write(path: Path, entries: list[Entry]) -> None:
    out = []
    for entry in entries:
        out.extend(entry.comments)
        if entry.msgctxt is not None:
            out.append(f"msgctxt {_quote(entry.msgctxt)}")
        out.append(f"msgid {_quote(entry.msgid)}")
        if entry.msgid_plural is not None:
            out.append(f"msgid_plural {_quote(entry.msgid_plural)}")
        for index, value in sorted(entry.msgstr.items()):
            key = "msgstr" if index == -1 else f"msgstr[{index}]"
            out.append(f"{key} {_quote(value)}")
        out.append("")
    path.write_text("\n".join(out), encoding="utf-8")


def fill_source(path: Path) -> int:
    entries = parse(path)
    header = next((e for e in entries if not e.msgid), None)
    match = re.search(r"nplurals=(\d+)", header.msgstr.get(-1, "")) if header else None
    nplurals = int(match.group(1)) if match else 2
    filled = 0
    for entry in entries:
        if not entry.msgid:
            continue  # the header
        if entry.msgid_plural is not None:
            entry.msgstr = {i: v for i, v in entry.msgstr.items() if i < nplurals}
        for index in entry.msgstr:
            # Always the source itself: makemessages may have guessed a "fuzzy" near match.
            source = entry.msgid if index in (-1, 0) else (entry.msgid_plural or entry.msgid)
            if entry.msgstr[index] != source:
                entry.msgstr[index] = source
                filled += 1
        entry.comments = [c for c in entry.comments if not (c.startswith("#,") and "fuzzy" in c)]
    write(path, entries)
    return filled


def fill_from(path: Path, table: Path) -> tuple[int, list[str]]:
    def unescape(text: str) -> str:
        return text.replace("\\n", "\n").replace("\\t", "\t")

    translations = {}
    for line in table.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            source, target = line.split("\t", 1)
            translations[unescape(source)] = unescape(target)
    entries, filled, used = parse(path), 0, set()
    for entry in entries:
        if entry.msgid and entry.msgid in translations and not entry.translated:
            text = translations[entry.msgid]
            entry.msgstr = dict.fromkeys(entry.msgstr or {-1: ""}, text)
            entry.comments = [c for c in entry.comments if not (c.startswith("#,") and "fuzzy" in c)]
            filled += 1
        if entry.msgid in translations:
            used.add(entry.msgid)
    write(path, entries)
    return filled, [source for source in translations if source not in used]


def missing(path: Path) -> list[Entry]:
    return [e for e in parse(path) if e.msgid and not e.translated]


if __name__ == "__main__":
    command, target = sys.argv[1], Path(sys.argv[2])
    if command == "fill-source":
        print(f"{target}: {fill_source(target)} entries filled from their source")
    elif command == "missing":
        gaps = missing(target)
        for entry in gaps:
            print(f"untranslated: {entry.msgid!r}")
        print(f"{target}: {len(gaps)} untranslated")
        sys.exit(1 if gaps else 0)
    elif command == "fill-from":
        count, unused = fill_from(target, Path(sys.argv[3]))
        for source in unused:
            print(f"no such msgid: {source!r}")
        print(f"{target}: {count} entries filled")
    else:
        sys.exit(__doc__)

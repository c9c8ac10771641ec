"""Every ZONGZHI_* setting the code reads is declared from the environment and documented."""

import re
from pathlib import Path

from django.conf import settings

from zongzhi.settings import base

ROOT = Path(__file__).resolve().parents[2]
APPS = ("cases", "common", "departments", "demo", "integrations", "supervision", "zongzhi")
NAME = re.compile(r"\bZONGZHI_[A-Z0-9_]*[A-Z0-9]\b")


def names_in_code() -> set[str]:
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*"):
            if path.suffix in {".py", ".html", ".txt"} and "migrations" not in path.parts:
                found |= set(NAME.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_code_reads_settings_it_finds_in_the_settings_module():
    names = names_in_code()
    assert "ZONGZHI_TRUSTED_PROXY_COUNT" in names  # the scan sees the code
    missing = sorted(name for name in names if not hasattr(base, name))
    assert missing == []
    assert all(hasattr(settings, name) for name in names)


def test_every_setting_is_read_from_the_environment():
    source = (ROOT / "zongzhi" / "settings" / "base.py").read_text(encoding="utf-8")
    declared = {name for name in dir(base) if name.startswith("ZONGZHI_")}
    assert declared >= names_in_code()
    not_from_env = sorted(name for name in declared if not re.search(rf'env(\.\w+)?\(\s*"{name}"', source))
    assert not_from_env == []


def test_every_setting_is_listed_in_env_example_and_the_readme():
    env_example = (ROOT / ".env.example").read_text(encoding="utf-8")
    # The README, or an operator's page in docs/ that the README links.
    readme = "\n".join(
        path.read_text(encoding="utf-8")
        for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    )
    declared = {name for name in dir(base) if name.startswith("ZONGZHI_")}
    assert sorted(n for n in declared if not re.search(rf"^#? ?{n}=", env_example, re.M)) == []
    assert sorted(n for n in declared if f"`{n}`" not in readme) == []


def test_no_code_reads_a_zongzhi_setting_with_a_default_of_its_own():
    pattern = re.compile(r"getattr\(\s*settings\s*,\s*['\"]ZONGZHI_")
    offenders = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []

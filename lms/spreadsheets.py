"""Rules shared by every CSV/XLSX export."""

from __future__ import annotations

# Text starting with these is run as a formula by Excel/LibreOffice (OWASP "CSV
# injection"); a leading apostrophe makes it plain text again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def formula_neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value

"""Vietnamese text helpers: accent-insensitive search keys and answer comparison."""

from __future__ import annotations

import unicodedata

# đ/Đ are letters of their own in Unicode, not d + a combining mark, so NFD
# leaves them alone; map them by hand.
_D_MAP = str.maketrans({"đ": "d", "Đ": "d"})


def search_key(text: str) -> str:
    """Lowercase, diacritic-free, single-spaced: "Dữ  liệu Đất" -> "du lieu dat"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def answer_key(text: str) -> str:
    """How short-text answers compare: NFC, case- and whitespace-insensitive, accents
    kept (in Vietnamese "dữ liệu" and "dư liệu" are different words)."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())

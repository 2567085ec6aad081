"""Vietnamese text folding, so that "son ha", "SƠN HÀ" and "Sơn Hà" compare equal."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case text with Vietnamese diacritics removed and spaces collapsed.

    Đ/đ is a letter of its own, not a D with a mark, so NFD does not split it:
    map it by hand.
    """
    if not text:
        return ""
    text = text.replace("Đ", "d").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.lower()).strip()


_NOT_WORD = re.compile(r"[^0-9a-z\-]+")


def search_text(text: str | None) -> str:
    """Folded text with punctuation turned into spaces, so every word starts after one.

    Only letters, digits and '-' (venue codes like QS-SH-0001) survive, which also
    drops LIKE's wildcards '%' and '_'.
    """
    return _NOT_WORD.sub(" ", fold(text)).strip()


def search_terms(query: str | None) -> list[str]:
    """Split a search box's text into folded words."""
    return search_text(query).split()

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


# C0 and C1 control characters but tab and newline (carriage returns become newlines),
# and lone surrogates (which JSON's \ud800 can carry and no database stores).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_RETURNS = re.compile(r"\r\n?")


def clean_text(text: str | None) -> str:
    """Text as it may be stored: NUL bytes and other control characters removed, tab and
    newline kept for free text, Windows and old Mac line ends made newlines.

    Used on every query, form and JSON value (fieldapp/request_input.py) and every
    spreadsheet cell (spreadsheets.cell_text), so imports and forms agree."""
    if not text:
        return ""
    return _CONTROL.sub("", _RETURNS.sub("\n", text))

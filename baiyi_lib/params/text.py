"""How free-written text is compared with the spellings params list.

Owns ``fold`` (a cell against a list of spellings: NFKC, no spaces, upper case) and
``squash`` (category names: no whitespace, no list punctuation). May import nothing but
the standard library.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """A cell's text as compared with a list of spellings: NFKC, no spaces, upper case."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).upper()


def squash(text: str) -> str:
    """Drop whitespace and list punctuation, for matching free-written category names."""
    return "".join(ch for ch in str(text) if not ch.isspace() and ch not in "、,,;;。.")

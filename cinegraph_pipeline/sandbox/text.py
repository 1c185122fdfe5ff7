"""Text helpers shared by the catalog, the search and the page builders."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")
_SMALL_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "at",
        "by",
        "de",
        "des",
        "du",
        "for",
        "in",
        "la",
        "le",
        "of",
        "on",
        "or",
        "the",
        "to",
    }
)
_ACRONYMS = {"fipresci": "FIPRESCI", "sacd": "SACD", "acid": "ACID", "lgbtq": "LGBTQ"}


def fold(text: str) -> str:
    """Lower case without accents: what TMDb's search compares."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().replace("ß", "ss").replace("æ", "ae").replace("œ", "oe")


def words(text: str) -> tuple[str, ...]:
    """The folded words of a text, punctuation dropped."""
    return tuple(_NON_WORD.sub(" ", fold(text)).split())


def normalized(text: str) -> str:
    return " ".join(words(text))


def stable_int(*parts: object) -> int:
    """A deterministic non-negative integer for the given parts (same on every run)."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def stable_fraction(*parts: object) -> float:
    """A deterministic number in [0, 1) for the given parts."""
    return stable_int(*parts) / 2**64


def stable_token(length: int, *parts: object) -> str:
    """A deterministic base-62 token, for image paths and the like."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    value = stable_int(*parts, "token")
    out = []
    for index in range(length):
        if value == 0:
            value = stable_int(*parts, "token", index)
        value, digit = divmod(value, 62)
        out.append(alphabet[digit])
    return "".join(out)


def award_title(text: str) -> str:
    """Title-cases a lower-case award name the way IMDb shows it ("Palme d'Or")."""
    out: list[str] = []
    for index, word in enumerate(text.split(" ")):
        out.append(_title_word(word, first=index == 0))
    return " ".join(out)


def _title_word(word: str, *, first: bool) -> str:
    if not word:
        return word
    bare = word.strip("()'\"")
    if bare in _ACRONYMS:
        return word.replace(bare, _ACRONYMS[bare])
    if "." in bare and len(bare) > 2:  # c.i.c.a.e.
        return word.upper()
    if bare.startswith("d'") and len(bare) > 2:  # d'or -> d'Or
        return word.replace(bare, "d'" + bare[2:].capitalize())
    if not first and bare in _SMALL_WORDS:
        return word
    lead = len(word) - len(word.lstrip("(\"'"))
    return word[:lead] + word[lead : lead + 1].upper() + word[lead + 1 :]

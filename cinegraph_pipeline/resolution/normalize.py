"""Title normalization, done once and applied identically to both sides of every comparison.

A festival page and TMDb rarely spell a title the same way: accents ("Amelie" / "Amélie"),
apostrophes (straight or curly), punctuation ("Sacco & Vanzetti" / "Sacco and Vanzetti", "Blow-Up" /
"Blowup"), leading articles ("La dolce vita" / "Dolce vita", "Piano, The"), sequel numbers
("Rocky II" / "Rocky 2"). `title_forms` turns a title into the forms the scorer compares; every
rule is deliberately conservative, because a rule that makes two different films look equal
costs precision, which matters more than recall (a film TMDb misses still reaches OMDb).

The traps each rule avoids are written next to it (and unit-tested):
- "I", "die", "o", "as", "des" are never stripped as leading articles: "I, Daniel Blake",
  "Die Hard", "O Lucky Man!", "As Good as It Gets" are not "Daniel Blake", "Hard", ...
- single letters "i", "v", "x" are not roman numerals ("Malcolm X", "I Vitelloni"); only
  canonical numerals ii..xxxix are converted.
- "et"/"und" become "and" only between two words: "E.T." and "Et Dieu... créa la femme" keep
  their first word; "y" and "e" (Spanish/Italian "and") are left alone because they are also
  initials, letters and Italian "è" after accent folding.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Apostrophe look-alikes are unified before NFKD, which would turn the acute accent (U+00B4) into a
# space followed by a combining mark.
_APOSTROPHES = re.compile("[\u2019\u2018\u02bc\u02b9\u0060\u00b4\u2032\u201b]")
# Letters NFKD does not decompose; applied after casefold (which already maps ß to ss).
# Vulgar fractions get a space before them so that "8½" and "8 1/2" agree.
_LETTER_FOLDS = str.maketrans(
    {
        "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "\u0131": "i",
        "ħ": "h", "½": " 1/2", "¼": " 1/4", "¾": " 3/4",
    }
)  # fmt: skip
# An apostrophe before a vowel or h is an elision ("l'avventura", "d'amérique", "dell'anno"):
# it separates two words. Any other apostrophe is a possessive or contraction ("ocean's",
# "don't") and is dropped, so "Ocean's" and "Oceans" agree.
_ELISION = re.compile(r"(?<=\w)'(?=[aeiouhy])")
_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")

# Leading articles of the main festival languages (en, fr, it, es, de, pt) that are stripped.
ARTICLES: frozenset[str] = frozenset(
    {
        "the", "a", "an",  # en (pt "a" too)
        "le", "la", "les", "l", "un", "une",  # fr ("l" is the elided l')
        "il", "lo", "gli", "uno", "una",  # it ("la", "le", "l", "un" above)
        "el", "los", "las", "unos", "unas",  # es
        "der", "das", "ein", "eine",  # de
        "os", "um", "uma",  # pt
    }
)  # fmt: skip
# Articles that are also common English words, never stripped (see the module docstring).
AMBIGUOUS_ARTICLES: frozenset[str] = frozenset({"i", "die", "o", "as", "des", "den", "dem"})
# Articles recognised at the end of a catalogue-sorted title ("Piano, The", "Blechtrommel, Die").
_TRAILING_ARTICLE = re.compile(
    r"^(?P<rest>.*?\S)\s*,\s*(?P<article>"
    + "|".join(sorted(ARTICLES | AMBIGUOUS_ARTICLES, key=len, reverse=True))
    + r")\s*$"
)
_CONNECTORS: frozenset[str] = frozenset({"and", "et", "und"})
_NUMBER_WORDS_TEXT = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
)
_NUMBER_WORDS: dict[str, str] = {
    word: str(value) for value, word in enumerate(_NUMBER_WORDS_TEXT.split())
}
# Words too common to identify a film, left out of broad keyword searches.
_STOPWORDS: frozenset[str] = ARTICLES | AMBIGUOUS_ARTICLES | _CONNECTORS | frozenset(
    {
        "of", "or", "in", "on", "at", "to", "for", "with", "from", "by", "is",
        "de", "del", "della", "dei", "di", "da", "du", "dans", "en", "y", "e", "ou", "und",
        "von", "vom", "zu", "im", "am", "no", "na", "do", "dos", "das", "por", "para", "con",
    }
)  # fmt: skip
# Where a main title ends and a subtitle starts: "Borat: Cultural Learnings ...".
_SUBTITLE = re.compile(r"\s*(?::|\s[-\u2013\u2014]\s|\(|\[)")


def _roman_numerals() -> dict[str, str]:
    """Canonical roman numerals ii..xxxix, the range sequels and episodes use."""
    tens = ["", "x", "xx", "xxx"]
    units = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"]
    numerals = {tens[n // 10] + units[n % 10]: str(n) for n in range(2, 40)}
    # Single letters are far more often words or names than numbers.
    for letter in ("v", "x"):
        numerals.pop(letter, None)
    return numerals


_ROMAN: dict[str, str] = _roman_numerals()


def fold(text: str) -> str:
    """Case- and accent-insensitive form: unified apostrophes, casefold, special letters, NFKD
    with combining marks removed ("Amélie" -> "amelie", "Kanał" -> "kanal", "Straße" ->
    "strasse")."""
    text = _APOSTROPHES.sub("'", text).casefold().translate(_LETTER_FOLDS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(title: str) -> list[str]:
    """The folded words of a title, before any word is mapped or dropped."""
    text = _ELISION.sub(" ", fold(title)).replace("'", "")
    text = text.replace("&", " and ").replace("+", " and ")
    trailing = _TRAILING_ARTICLE.match(text)
    if trailing:
        text = f"{trailing['article']} {trailing['rest']}"
    return _NON_WORD.sub(" ", text).split()


def _map_word(word: str, position: int, count: int) -> str:
    if word in _ROMAN:
        return _ROMAN[word]
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    if word in _CONNECTORS and 0 < position < count - 1:
        return "and"
    return word


def _strip_article(tokens: tuple[str, ...]) -> tuple[str, ...]:
    if len(tokens) > 1 and tokens[0] in ARTICLES:
        return tokens[1:]
    return tokens


@dataclass(frozen=True, slots=True)
class TitleForms:
    """The comparable forms of one title.

    `exact` is the literal title up to case and spacing (level 2); `key` and `full_key` are the
    normalized title without spaces, with and without its leading article (level 3: "Blow-Up"
    and "Blowup", "L'Avventura" and "Avventura" share a key); `text` is what the fuzzy scorer
    compares; `numbers` are the numbers the title names, which must agree for two titles to
    be the same film ("Blade Runner" vs "Blade Runner 2049", "Rocky II" vs "Rocky").
    `short_keys` holds the key of the title without its subtitle ("Borat: Cultural
    Learnings ..." -> "borat"): the only shortening the broad level accepts, because a title
    that merely starts with another ("Payback Season", "Payback") or ends with it ("A Fan's
    Notes", "Notes") is another film.
    """

    raw: str
    exact: str
    tokens: tuple[str, ...]
    core: tuple[str, ...]
    key: str
    full_key: str
    text: str
    numbers: tuple[int, ...]
    short_keys: frozenset[str] = frozenset()

    def same_key(self, other: TitleForms) -> bool:
        return bool(self.key) and (self.key == other.key or self.full_key == other.full_key)

    def shortens(self, other: TitleForms) -> bool:
        """Whether this title is `other` without its subtitle."""
        return bool(self.key) and self.key in other.short_keys


def _core(title: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    words = _words(title)
    tokens = tuple(_map_word(word, i, len(words)) for i, word in enumerate(words))
    return tokens, _strip_article(tokens)


@lru_cache(maxsize=65536)
def title_forms(title: str) -> TitleForms:
    """All forms of `title`, computed once per distinct string."""
    tokens, core = _core(title)
    numbers = tuple(sorted(int(run) for token in core for run in _DIGITS.findall(token)))
    key = "".join(core)
    main = main_title(title)
    main_key = "".join(_core(main)[1]) if main != title.strip() else ""
    return TitleForms(
        raw=title,
        exact=" ".join(unicodedata.normalize("NFC", title).casefold().split()),
        tokens=tokens,
        core=core,
        key=key,
        full_key="".join(tokens),
        text=" ".join(core),
        numbers=numbers,
        short_keys=frozenset({main_key} - {"", key}),
    )


def search_words(title: str) -> tuple[str, ...]:
    """The words a search engine sees in a title (folded, punctuation removed, not mapped):
    two titles with the same search words send the same search."""
    return tuple(_words(title))


def main_title(title: str) -> str:
    """The title without its subtitle: "Dr. Strangelove or: How I Learned ..." ->
    "Dr. Strangelove"; titles without a subtitle are returned unchanged."""
    head = _SUBTITLE.split(title, maxsplit=1)[0].strip()
    if not head:
        return title.strip()
    words = head.split()
    if len(words) > 1 and fold(words[-1]) in {"or", "ou", "oder", "o"}:
        head = " ".join(words[:-1])
    return head


def _is_number(word: str) -> bool:
    return word.isdigit() or word in _ROMAN or word in _NUMBER_WORDS


def keyword_query(title: str, *, max_words: int = 2) -> str | None:
    """A broad search for `title`: the longest distinctive words of its main title, in title
    order. Used when the full title finds nothing, because the festival title may carry words
    (a subtitle, an article, a translation detail) the catalogue title lacks. Numbers are left
    out: catalogues write them differently ("II" / "2"), and the scorer checks them anyway."""
    words = [
        w
        for w in search_words(main_title(title))
        if w not in _STOPWORDS and len(w) > 1 and not _is_number(w)
    ]
    if not words:
        return None
    ranked = sorted(range(len(words)), key=lambda i: (-len(words[i]), i))[:max_words]
    return " ".join(words[i] for i in sorted(ranked))

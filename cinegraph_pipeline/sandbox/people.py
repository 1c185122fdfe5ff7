"""Invented people: deterministic IMDb `nm` ids, TMDb person ids and, where the real data
names nobody (actors), plausible names drawn from the film's language.

Invented `nm` ids have eight digits starting with 9 (`nm9xxxxxxx`), a range IMDb has not
reached, so they never collide with a real person's id."""

from __future__ import annotations

from dataclasses import dataclass

from .text import stable_int


@dataclass(frozen=True, slots=True)
class Person:
    imdb_id: str
    name: str
    tmdb_id: int
    gender: int  # TMDb's code: 1 female, 2 male, 0 unknown


_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # group: (male first names, female first names, family names)
    "fr": (
        ("Julien", "Mathieu", "Antoine", "Olivier", "Nicolas", "Pierre", "Laurent", "Vincent"),
        ("Camille", "Claire", "Léa", "Isabelle", "Juliette", "Sophie", "Élodie", "Manon"),
        ("Morel", "Lefèvre", "Garnier", "Chevalier", "Rousseau", "Fontaine", "Mercier", "Blanc"),
    ),
    "it": (
        ("Marco", "Luca", "Giorgio", "Paolo", "Stefano", "Matteo", "Andrea", "Davide"),
        ("Giulia", "Chiara", "Francesca", "Valeria", "Alessandra", "Elena", "Sara", "Paola"),
        ("Ferri", "Colombo", "Ricci", "Marchetti", "Greco", "Galli", "Conti", "Mancini"),
    ),
    "es": (
        ("Javier", "Diego", "Mateo", "Alejandro", "Tomás", "Rodrigo", "Joaquim", "Gonçalo"),
        ("Lucía", "Carmen", "Valentina", "Marta", "Inês", "Paula", "Beatriz", "Sofía"),
        ("Herrera", "Castillo", "Ortega", "Navarro", "Medina", "Almeida", "Ferreira", "Rojas"),
    ),
    "en": (
        ("James", "Daniel", "Thomas", "Michael", "Ryan", "Adam", "Samuel", "Oliver"),
        ("Emma", "Rachel", "Hannah", "Laura", "Kate", "Naomi", "Grace", "Abigail"),
        ("Walker", "Harris", "Bennett", "Carter", "Hughes", "Foster", "Brooks", "Reed"),
    ),
    "de": (
        ("Lukas", "Jonas", "Felix", "Tobias", "Lars", "Mikkel", "Henrik", "Pieter"),
        ("Anna", "Lena", "Johanna", "Katrin", "Ingrid", "Sanne", "Freya", "Greta"),
        ("Becker", "Hartmann", "Vogel", "Lindqvist", "Jansen", "Nielsen", "Brandt", "Krüger"),
    ),
    "east": (
        ("Andrei", "Mikhail", "Tomasz", "Bogdan", "Gábor", "Pavel", "Dmitri", "Radu"),
        ("Olga", "Anca", "Katarzyna", "Irina", "Zsófia", "Milena", "Daria", "Elena"),
        ("Popescu", "Kowalski", "Nagy", "Ivanov", "Novák", "Petrov", "Horváth", "Sokolov"),
    ),
    "ja": (
        ("Hiroshi", "Kenji", "Takeshi", "Ryo", "Daisuke", "Yuki", "Haruto", "Sota"),
        ("Yuko", "Aoi", "Haruka", "Mei", "Sakura", "Naomi", "Rin", "Emi"),
        ("Tanaka", "Sato", "Kobayashi", "Yamamoto", "Nakamura", "Ito", "Watanabe", "Mori"),
    ),
    "ko": (
        ("Min-ho", "Ji-hoon", "Seung-woo", "Dong-hyun", "Jae-won", "Sung-min", "Tae-yang"),
        ("Ji-woo", "Soo-ah", "Hye-jin", "Yoon-ah", "Min-ji", "Seo-yeon", "Eun-ji"),
        ("Kim", "Park", "Lee", "Choi", "Jung", "Kang", "Yoon", "Han"),
    ),
    "zh": (
        ("Wei", "Jun", "Hao", "Lei", "Ming", "Tao", "Zhen", "Bo"),
        ("Li", "Mei", "Xiu", "Ying", "Fang", "Lan", "Hua", "Yan"),
        ("Wang", "Zhang", "Liu", "Chen", "Zhao", "Huang", "Zhou", "Wu"),
    ),
    "mideast": (
        ("Omar", "Karim", "Reza", "Amir", "Yusuf", "Nadav", "Emre", "Tarek"),
        ("Leila", "Yasmin", "Shirin", "Noa", "Zeynep", "Rana", "Maryam", "Dalia"),
        ("Haddad", "Karimi", "Rostami", "Levi", "Yilmaz", "Mansour", "Azizi", "Demir"),
    ),
}
_GROUP_OF_LANGUAGE = {
    "fr": "fr",
    "it": "it",
    "es": "es",
    "pt": "es",
    "ca": "es",
    "en": "en",
    "de": "de",
    "nl": "de",
    "da": "de",
    "sv": "de",
    "no": "de",
    "is": "de",
    "fi": "de",
    "ru": "east",
    "uk": "east",
    "pl": "east",
    "ro": "east",
    "hu": "east",
    "cs": "east",
    "sk": "east",
    "bg": "east",
    "sr": "east",
    "hr": "east",
    "bs": "east",
    "el": "east",
    "ja": "ja",
    "ko": "ko",
    "zh": "zh",
    "cn": "zh",
    "ar": "mideast",
    "fa": "mideast",
    "he": "mideast",
    "tr": "mideast",
    "ku": "mideast",
    "tl": "es",
}


class PeopleRegistry:
    """Hands out one `nm` id and one TMDb person id per distinct name."""

    def __init__(self) -> None:
        self._by_name: dict[str, Person] = {}
        self._nm_taken: set[str] = set()
        self._tmdb_taken: set[int] = set()

    def person(self, name: str, gender: int = 0) -> Person:
        known = self._by_name.get(name)
        if known is not None:
            return known
        number = 90_000_000 + stable_int(name, "nm") % 9_999_999
        while f"nm{number}" in self._nm_taken:
            number = 90_000_000 + (number + 1) % 9_999_999
        tmdb_id = 3_000_000 + stable_int(name, "tmdb-person") % 2_000_000
        while tmdb_id in self._tmdb_taken:
            tmdb_id += 1
        person = Person(imdb_id=f"nm{number}", name=name, tmdb_id=tmdb_id, gender=gender)
        self._by_name[name] = person
        self._nm_taken.add(person.imdb_id)
        self._tmdb_taken.add(tmdb_id)
        return person

    def invented_cast(self, film_key: str, language: str | None) -> tuple[Person, ...]:
        """A lead actor, a lead actress and a supporting player for a film."""
        group = _NAMES[_GROUP_OF_LANGUAGE.get(language or "", "en")]
        male, female, family = group
        lead_actor = _pick(male, film_key, "actor") + " " + _pick(family, film_key, "actor-f")
        lead_actress = _pick(female, film_key, "actress") + " " + _pick(family, film_key, "ax-f")
        if stable_int(film_key, "third-gender") % 2:
            third, gender = _pick(male, film_key, "third"), 2
        else:
            third, gender = _pick(female, film_key, "third"), 1
        third += " " + _pick(family, film_key, "third-f")
        if third in (lead_actor, lead_actress):
            third = _pick(family, film_key, "third-alt").split(" ")[0] + " " + third
        return (
            self.person(lead_actor, gender=2),
            self.person(lead_actress, gender=1),
            self.person(third, gender=gender),
        )


def _pick(options: tuple[str, ...], *parts: object) -> str:
    return options[stable_int(*parts) % len(options)]

"""Helsinki address texts as couriers meet them: clean, perturbed, and unfixable.

Pure: real address points in, the texts to geocode out, all drawn from one seeded
`random.Random` so every run asks the same questions.
"""

import random
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from lastmile.addresses.normalise import fold, key, parse_house_number

_TYPO_NEIGHBOURS = {
    "a": "sq",
    "e": "wr",
    "i": "uo",
    "k": "jl",
    "l": "ko",
    "n": "bm",
    "o": "ip",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "ä": "ö",
    "ö": "ä",
}
_SHORT_ENDINGS = (("puistotie", "puistot."), ("katu", "k."), ("kuja", "kj."), ("tie", "t."))
_FLATS = ("{n} B 7", "{n} as. 7", "{n} A 3", "{n} as 12", "{n}, C 21")
_STEMS = [
    "kuusi",
    "haapa",
    "vaahtera",
    "pihlaja",
    "koivu",
    "tammi",
    "lehmus",
    "mänty",
    "raita",
    "kataja",
    "kirsikka",
    "omena",
    "lumme",
    "kaisla",
    "ruoko",
    "sammal",
    "varpu",
    "kanerva",
    "puolukka",
    "mustikka",
    "kielo",
    "orvokki",
    "ruusu",
    "kettu",
    "ilves",
    "karhu",
    "hirvi",
    "majava",
    "saukko",
    "tikka",
    "pöllö",
    "haukka",
    "kurki",
    "joutsen",
    "lokki",
    "kallio",
    "harju",
    "kumpu",
    "notko",
    "lähde",
    "puro",
    "koski",
    "lampi",
    "niemi",
    "saari",
    "salmi",
    "lahti",
    "tuuli",
    "pilvi",
    "sade",
    "halla",
    "routa",
    "kaste",
    "usva",
    "aamu",
    "ilta",
    "kesä",
    "syksy",
    "talvi",
    "kevät",
]
_GENITIVE = ("n", "en", "nen", "lan", "jan", "rinteen", "mäen", "ojan", "niityn")
_TYPES = ("katu", "tie", "kuja", "polku", "väylä", "ranta", "puistotie", "rinne", "kaari")


@dataclass(frozen=True, slots=True)
class Door:
    """One real address point: what the map says and where it is."""

    street: str
    housenumber: str
    postcode: str | None
    lat: float
    lon: float
    swedish: str | None = None
    """The street's `name:sv`, when the map has one."""

    def clean(self) -> str:
        """`Mannerheimintie 12, 00100 Helsinki`, as a Finnish address is written."""
        town = f"{self.postcode} Helsinki" if self.postcode else "Helsinki"
        return f"{self.street} {self.housenumber}, {town}"


def _typo(word: str, rng: random.Random) -> str:
    """One slip of the finger in a word: two letters swapped, one dropped, one doubled or
    one hit beside its key; never the first letter (a courier reads that one right)."""
    i = rng.randrange(1, len(word) - 1)
    slip = rng.choice(("swap", "drop", "double", "neighbour"))
    if slip == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if slip == "drop":
        return word[:i] + word[i + 1 :]
    if slip == "double":
        return word[:i] + word[i] + word[i:]
    beside = _TYPO_NEIGHBOURS.get(word[i].lower(), "e")
    return word[:i] + rng.choice(beside) + word[i + 1 :]


def _with_typo(door: Door, rng: random.Random) -> str:
    longest = max(door.street.split(), key=len)
    if len(longest) < 4:
        return door.clean()
    return f"{door.street.replace(longest, _typo(longest, rng), 1)} {door.housenumber}"


def _abbreviated(door: Door, _: random.Random) -> str:
    """`Fredrikink. 41`, `Mannerheimint. 12`, `Ateneumink. 1`; a name without a short form
    (`Bulevardi`) is written in lower case instead."""
    for ending, short in _SHORT_ENDINGS:
        if door.street.endswith(ending):
            return f"{door.street[: -len(ending)]}{short} {door.housenumber}"
    return f"{door.street.lower()} {door.housenumber}"


def _reordered(door: Door, _: random.Random) -> str:
    return f"Helsinki, {door.housenumber} {door.street}"


def _no_diacritics(door: Door, rng: random.Random) -> str:
    text = fold(f"{door.street} {door.housenumber} helsinki")
    return text.upper() if rng.random() < 0.5 else text


def _with_flat(door: Door, rng: random.Random) -> str:
    return f"{door.street} {rng.choice(_FLATS).format(n=door.housenumber)}, Helsinki"


def _in_swedish(door: Door, _: random.Random) -> str:
    """`Mannerheimvägen 12, 00100 Helsingfors` (the Finnish name when there is no other)."""
    town = f"{door.postcode} Helsingfors" if door.postcode else "Helsingfors"
    return f"{door.swedish or door.street} {door.housenumber}, {town}"


def _several(door: Door, rng: random.Random) -> str:
    """A typo, no diacritics and a flat at once: `lonrotinkatu 5 as. 7`."""
    typo = _with_typo(Door(door.street, door.housenumber, None, door.lat, door.lon), rng)
    return fold(f"{typo} {rng.choice(_FLATS).format(n='').strip(', ')}")


PERTURBATIONS: dict[str, Callable[[Door, random.Random], str]] = {
    "typo in the street": _with_typo,
    "abbreviated (katu → k., tie → t.)": _abbreviated,
    "words reordered": _reordered,
    "no diacritics, one case": _no_diacritics,
    "flat or staircase added (12 B 7, as. 7)": _with_flat,
    "in Swedish (Mannerheimvägen 12, Helsingfors)": _in_swedish,
    "typo, no diacritics and a flat at once": _several,
}


def perturbed(doors: Sequence[Door], rng: random.Random) -> list[tuple[str, Door, str]]:
    """Each door written one way, the ways taken in turn: (way, door, text)."""
    ways = list(PERTURBATIONS.items())
    return [
        (ways[i % len(ways)][0], door, ways[i % len(ways)][1](door, rng))
        for i, door in enumerate(doors)
    ]


def mistagged(street: str) -> bool:
    """An `addr:street` holding more than a street (`Pohjoisesplanadi 33`, `Rautatieasema,
    Kaivokatu`): no base for an unfixable text, which must be unfixable for sure."""
    return "," in street or any(c.isdigit() for c in street)


def without_number(doors: Sequence[Door]) -> list[str]:
    """`<street>, Helsinki` for every street of the sample."""
    return [
        f"{street}, Helsinki"
        for street in sorted({d.street for d in doors})
        if not mistagged(street)
    ]


def nonsense(count: int, rng: random.Random) -> list[str]:
    """Keyboard noise, some of it with a number (`xkqvd 12`)."""
    texts = []
    for _ in range(count):
        noise = " ".join(
            "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9)))
            for _ in range(rng.randint(1, 2))
        )
        texts.append(f"{noise} {rng.randint(1, 60)}" if rng.random() < 0.5 else noise)
    return texts


def streets_not_on_map(count: int, streets: Sequence[str], rng: random.Random) -> list[str]:
    """Finnish-looking streets the map does not have (`Kuusenrinteenkuja 5`): no name more
    than 80 % like a real one (that would be a typo, which ought to be found)."""
    real = [key(s) for s in streets]
    texts: list[str] = []
    while len(texts) < count:
        name = f"{rng.choice(_STEMS).capitalize()}{rng.choice(_GENITIVE)}{rng.choice(_TYPES)}"
        closest = process.extractOne(key(name), real, scorer=fuzz.ratio)
        if closest is not None and closest[1] > 80:
            continue
        texts.append(f"{name} {rng.randint(1, 40)}, Helsinki")
    return texts


def numbers_not_on_street(
    doors_by_street: dict[str, list[str]], count: int, rng: random.Random
) -> list[str]:
    """A real street with a house number none of its points carries (nor any range)."""
    texts: list[str] = []
    streets = sorted(s for s in doors_by_street if not mistagged(s))
    while len(texts) < count:
        street = rng.choice(streets)
        taken: set[int] = set()
        for housenumber in doors_by_street[street]:
            number = parse_house_number(housenumber)
            if number is not None:
                taken.update(range(number.number, (number.number_to or number.number) + 1))
        missing = [n for n in range(1, 120) if n not in taken]
        texts.append(f"{street} {rng.choice(missing)}, Helsinki")
    return texts

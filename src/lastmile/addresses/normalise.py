"""Address text to comparable words: case, diacritics, punctuation and abbreviations folded.

The index and the query go through the same functions, so `Bd des Moulins` and
`Boulevard des Moulins`, `Mäkelänk.` and `Makelankatu` end up as the same words.
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

_FOLD: Final = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d"})

# A Finnish street name ends in -katu, -kuja or -tie, shortened with a full stop. `-t.` is
# read as -tie only after a genitive's `n` (`Mannerheimint.`) or `puisto` (`Kalliopuistot.`):
# anywhere else it would turn `Albert.` into a road.
_FINNISH_SHORT: Final = (
    (re.compile(r"(\w{3,})k\."), r"\1katu "),
    (re.compile(r"(\w{3,})kj\."), r"\1kuja "),
    (re.compile(r"(\w{3,}(?:n|puisto))t\."), r"\1tie "),
)

ABBREVIATIONS: Final = {
    "ave": "avenue",
    "av": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "blvd": "boulevard",
    "boul": "boulevard",
    "bvd": "boulevard",
    "rd": "road",
    "dr": "drive",
    "ln": "lane",
    "sq": "square",
    "pl": "place",
    "rte": "route",
    "imp": "impasse",
    "ch": "chemin",
    "str": "strasse",
    "ste": "sainte",
    "k": "katu",
}
"""Short forms expanded on both sides; `st` is handled apart (street or saint)."""

STOP_WORDS: Final = frozenset({"de", "la", "le", "les", "du", "des", "d", "l", "of", "the"})
"""Dropped from both sides: they are missing or added in real texts more than they mean."""

STREET_TYPES: Final = frozenset(
    {
        "rue",
        "avenue",
        "boulevard",
        "place",
        "route",
        "chemin",
        "impasse",
        "allee",
        "quai",
        "street",
        "road",
        "drive",
        "lane",
        "square",
        "strasse",
        "katu",
        "kuja",
        "tie",
        "polku",
        "tori",
        "escalier",
        "montee",
    }
)
"""Words that say what kind of street it is: they count half when matching a name."""

_NUMBER: Final = re.compile(r"^(\d+)([a-z]{0,3})$")
_RANGE: Final = re.compile(r"^(\d+)-(\d+)$")
_LETTER_SUFFIXES: Final = frozenset({"bis", "ter", "quater"})
FLAT_WORDS: Final = frozenset(
    {"flat", "apt", "apartment", "unit", "floor", "room", "as", "asunto", "krs", "app"}
    | {"appartement", "etage", "porte", "bte", "boite", "stair", "stairs", "rappu"}
)
"""A number right after one of these is a flat, floor or staircase, not the house."""


def fold(text: str) -> str:
    """Lower case without diacritics.

    >>> fold("Mäkelänkatu Spélugues Straße")
    'makelankatu spelugues strasse'
    """
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of an address or a name, folded, abbreviations expanded, stop words dropped.

    Numbers stay (house numbers, `Albert II`'s cousins `3 Septembre`); a hyphenated
    house-number range stays one word.

    >>> words("12 Bd. d'Italie, MONACO")
    ['12', 'boulevard', 'italie', 'monaco']
    >>> words("Mäkelänk. 12 B 7")
    ['makelankatu', '12', 'b', '7']
    >>> words("Mannerheimint. 1, Albert. Kaivopuistot. 2")
    ['mannerheimintie', '1', 'albert', 'kaivopuistotie', '2']
    >>> words("Rond-Point Ste-Dévote")
    ['rond', 'point', 'sainte', 'devote']
    >>> words("12-14 Baker St, London")
    ['12-14', 'baker', 'street', 'london']
    """
    text = fold(text)
    for pattern, replacement in _FINNISH_SHORT:
        text = pattern.sub(replacement, text)
    segments = re.split(r"[,;/\n]", text)
    found: list[str] = []
    for segment in segments:
        raw = re.findall(r"\d+-\d+|[a-z0-9]+", segment.replace("'", " "))
        for position, word in enumerate(raw):
            if word == "st":
                # `St` ends an English street name and starts a French saint's.
                word = "street" if position == len(raw) - 1 else "saint"
            word = ABBREVIATIONS.get(word, word)
            if word not in STOP_WORDS:
                found.append(word)
    return found


def key(name: str) -> str:
    """The normalised form of a street or place name that the index stores and compares.

    >>> key("Boulevard d'Italie") == key("bd. d'italie")
    True
    """
    return " ".join(words(name))


@dataclass(frozen=True, slots=True)
class HouseNumber:
    """A house number read from text: `12 B 7` is number 12, letter `b` (flat 7 dropped)."""

    number: int
    letter: str = ""
    number_to: int | None = None


def parse_house_number(text: str) -> HouseNumber | None:
    """A house number as OpenStreetMap's `addr:housenumber` writes it.

    >>> parse_house_number("4bis")
    HouseNumber(number=4, letter='bis', number_to=None)
    >>> parse_house_number("12-14")
    HouseNumber(number=12, letter='', number_to=14)
    >>> parse_house_number("12 B")
    HouseNumber(number=12, letter='b', number_to=None)
    >>> parse_house_number("Bâtiment") is None
    True
    """
    parts = words(text)
    found = house_numbers(parts, max_digits=6)
    return found[0] if found else None


def house_numbers(parts: list[str], *, max_digits: int = 3) -> list[HouseNumber]:
    """Every word that can be a house number, with the letter that follows it.

    In a text, more than `max_digits` digits are taken for a postcode (an OSM
    `addr:housenumber` allows six), and a number after `flat`, `apt`, `as.`, `étage`... for
    a flat or a floor, not a house number.

    >>> [(n.number, n.letter) for n in house_numbers(['katu', '12', 'b', '7', '00510'])]
    [(12, 'b'), (7, '')]
    """
    found: list[HouseNumber] = []
    for index, word in enumerate(parts):
        if index > 0 and parts[index - 1] in FLAT_WORDS:
            continue
        following = parts[index + 1] if index + 1 < len(parts) else ""
        if span := _RANGE.match(word):
            low, high = int(span[1]), int(span[2])
            if low < high and len(span[1]) <= max_digits and len(span[2]) <= max_digits:
                found.append(HouseNumber(low, "", high))
            continue
        match = _NUMBER.match(word)
        if not match or len(match[1]) > max_digits:
            continue
        letter = match[2]
        if not letter and (
            (len(following) == 1 and following.isalpha()) or following in _LETTER_SUFFIXES
        ):
            letter = following
        found.append(HouseNumber(int(match[1]), letter))
    return found


def is_postcode(word: str) -> bool:
    """Four or five digits (Finland's 00100, Monaco's 98000, Germany's 10115).

    >>> is_postcode("98000"), is_postcode("12")
    (True, False)
    """
    return word.isdigit() and 4 <= len(word) <= 5


def grams(text: str) -> set[str]:
    """The trigrams of a normalised text, each word padded so its ends count too.

    A word's first letter alone (`"  r"`) is left out: too common to find anything by.

    >>> sorted(grams("rue 3"))
    [' 3 ', ' ru', 'rue', 'ue ']
    """
    found: set[str] = set()
    for word in text.split():
        padded = f" {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found

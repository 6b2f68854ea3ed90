"""Tracking numbers: fixed length, unambiguous alphabet, and a check character.

The alphabet has 31 symbols (no 0/O, 1/I/L) and 31 is prime. The check character makes
``sum(weight_i * value_i) % 31 == 0`` with weights 1..12, all distinct and non-zero mod 31,
so every single-character substitution changes the sum by ``weight * delta != 0`` and every
adjacent transposition of different characters by ``(w_i - w_j) * delta = ±delta != 0``.
"""

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MODULUS = len(ALPHABET)
LENGTH = 12
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
_SEPARATORS = re.compile(r"[\s\-_.]+")


class TrackingNumberError(ValueError):
    """The text is not a well-formed tracking number; the message says why."""


def _weighted_sum(body: str) -> int:
    return sum((i + 1) * _VALUES[ch] for i, ch in enumerate(body))


def check_character(body: str) -> str:
    """The character that makes `body + check` valid.

    >>> check_character("7K3QW9ZXAMP")
    '2'
    """
    weight = len(body) + 1
    partial = _weighted_sum(body) % MODULUS
    inverse = pow(weight, -1, MODULUS)
    return ALPHABET[(-partial * inverse) % MODULUS]


def generate() -> str:
    """A new random tracking number such as ``7K3QW9ZXAMP2`` (31**11, about 2**54, of them)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH - 1))
    return body + check_character(body)


def normalise(text: str) -> str:
    """Upper-case and drop spaces, dashes, dots and underscores.

    >>> normalise(" 7k3q-w9zx amp2 ")
    '7K3QW9ZXAMP2'
    """
    return _SEPARATORS.sub("", text).upper()


def validate(text: str) -> str:
    """The normalised tracking number, or TrackingNumberError saying what is wrong with it."""
    number = normalise(text)
    if len(number) != LENGTH:
        raise TrackingNumberError(
            f"tracking number {text!r} has {len(number)} characters: expected {LENGTH}"
        )
    bad = sorted({ch for ch in number if ch not in _VALUES})
    if bad:
        raise TrackingNumberError(
            f"tracking number {text!r} contains {', '.join(map(repr, bad))}: "
            f"tracking numbers use only {ALPHABET}"
        )
    if _weighted_sum(number) % MODULUS:
        raise TrackingNumberError(
            f"tracking number {text!r} fails its check character: probably mistyped"
        )
    return number

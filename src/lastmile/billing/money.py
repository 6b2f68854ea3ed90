"""Amounts of money: exact decimals, rounded once per line to the currency's minor unit.

The one rounding rule: **every line is rounded to its currency's minor unit, half away from
zero (commercial rounding), when it is made; totals are sums of rounded lines and are never
rounded again.** So an invoice's total always equals the sum of the lines printed on it.
A currency's minor unit comes from CLDR through Babel (EUR 2, JPY 0, KWD 3).

>>> round_money(Decimal("2.345"), "EUR")
Decimal('2.35')
>>> round_money(Decimal("-2.345"), "EUR")
Decimal('-2.35')
>>> round_money(Decimal("1234.5"), "JPY")
Decimal('1235')
>>> round_money(Decimal("1.2345"), "KWD")
Decimal('1.235')
>>> format_money(Decimal("1234.5"), "EUR", "fi_FI")
'1\\xa0234,50\\xa0€'
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, list_currencies

DEFAULT_LOCALE: Final = "en_GB"
ZERO: Final = Decimal(0)


class UnknownCurrency(ValueError):
    """A code that is not an ISO 4217 currency known to CLDR."""


def check_currency(code: str) -> str:
    """The code, upper-cased, when it names an ISO 4217 currency; else `UnknownCurrency`.

    >>> check_currency("eur")
    'EUR'
    """
    upper = code.strip().upper()
    if len(upper) != 3 or upper not in _CURRENCIES:
        raise UnknownCurrency(f"{code!r} is not an ISO 4217 currency code")
    return upper


def minor_units(currency: str) -> int:
    """Digits after the decimal point in the currency's smallest coin (EUR 2, JPY 0).

    >>> minor_units("JPY"), minor_units("EUR"), minor_units("KWD")
    (0, 2, 3)
    """
    return int(get_currency_precision(check_currency(currency)))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded to the currency's minor unit, half away from zero."""
    quantum = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal, currency: str) -> Decimal:
    """`percent` % of `amount`, rounded as a line.

    >>> percent_of(Decimal("10.00"), Decimal("24"), "EUR")
    Decimal('2.40')
    """
    return round_money(amount * percent / 100, currency)


def money_text(amount: Decimal, currency: str | None) -> str:
    """`amount` as JSON and CSV carry it: a string with exactly the currency's minor unit (as
    it stands when there is no currency yet, e.g. an empty pay statement).

    >>> money_text(Decimal("12.5000"), "EUR"), money_text(Decimal("-3"), "KWD")
    ('12.50', '-3.000')
    >>> money_text(Decimal("0"), None)
    '0'
    """
    if not currency:
        return str(amount)
    return f"{round_money(amount, currency):f}"


def format_money(amount: Decimal, currency: str, locale: str | None = None) -> str:
    """`amount` written for people in `locale` (en_GB when none or unknown), minor unit kept."""
    try:
        chosen = Locale.parse(locale or DEFAULT_LOCALE)
    except (ValueError, UnknownLocaleError):
        chosen = Locale.parse(DEFAULT_LOCALE)
    return format_currency(round_money(amount, currency), currency, locale=chosen)


_CURRENCIES: Final = frozenset(list_currencies())

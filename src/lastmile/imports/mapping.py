"""Which column holds which field of an order, guessed from the headers (English and
Finnish), and a row turned into the body POST /api/v1/shipments takes."""

import functools
import re
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from lastmile.errors import FieldError


@dataclass(frozen=True, slots=True)
class Target:
    """A field an import column can fill: its key, its name for people, header synonyms."""

    key: str
    label: str
    synonyms: tuple[str, ...]


TARGETS: tuple[Target, ...] = (
    Target(
        "reference",
        "Reference",
        (
            "reference",
            "ref",
            "order",
            "order id",
            "order number",
            "order no",
            "tilaus",
            "tilausnumero",
            "tilausnro",
            "viite",
        ),
    ),
    Target(
        "recipient_name",
        "Recipient name",
        (
            "name",
            "recipient",
            "recipient name",
            "customer",
            "customer name",
            "vastaanottaja",
            "nimi",
            "asiakas",
            "asiakkaan nimi",
        ),
    ),
    Target(
        "phone",
        "Phone",
        (
            "phone",
            "phone number",
            "mobile",
            "tel",
            "telephone",
            "gsm",
            "puhelin",
            "puh",
            "puhelinnumero",
            "matkapuhelin",
        ),
    ),
    Target("email", "Email", ("email", "e-mail", "mail", "sähköposti", "sposti", "s-posti")),
    Target(
        "address",
        "Address",
        (
            "address",
            "street",
            "street address",
            "delivery address",
            "osoite",
            "katuosoite",
            "toimitusosoite",
            "lähiosoite",
        ),
    ),
    Target(
        "postcode",
        "Postcode",
        ("postcode", "post code", "postal code", "zip", "zip code", "postinumero", "postinro"),
    ),
    Target("city", "City", ("city", "town", "kaupunki", "postitoimipaikka", "paikkakunta")),
    Target("lat", "Latitude", ("lat", "latitude", "leveysaste")),
    Target("lon", "Longitude", ("lon", "lng", "long", "longitude", "pituusaste")),
    Target(
        "date",
        "Delivery date",
        (
            "date",
            "delivery date",
            "day",
            "päivä",
            "päivämäärä",
            "pvm",
            "toimituspäivä",
            "toimituspvm",
        ),
    ),
    Target(
        "window_from",
        "Window from",
        (
            "from",
            "window from",
            "window start",
            "start",
            "earliest",
            "alkaen",
            "alku",
            "klo alkaen",
            "mistä",
        ),
    ),
    Target(
        "window_to",
        "Window to",
        (
            "to",
            "until",
            "window to",
            "window end",
            "end",
            "latest",
            "asti",
            "loppu",
            "mihin",
            "klo asti",
        ),
    ),
    Target(
        "parcels",
        "Parcels",
        (
            "parcels",
            "parcel count",
            "packages",
            "pieces",
            "items",
            "qty",
            "quantity",
            "kollit",
            "kolli",
            "kolleja",
            "paketit",
            "paketteja",
            "määrä",
            "kpl",
        ),
    ),
    Target("weight_kg", "Weight (kg)", ("weight", "weight kg", "kg", "paino", "paino kg")),
    Target(
        "cod_amount",
        "COD amount",
        ("cod", "cod amount", "cash on delivery", "jälkivaatimus", "postiennakko", "ennakko"),
    ),
    Target("cod_currency", "COD currency", ("currency", "cod currency", "valuutta")),
    Target(
        "notes",
        "Notes",
        (
            "notes",
            "note",
            "instructions",
            "comment",
            "comments",
            "delivery instructions",
            "lisätiedot",
            "ohjeet",
            "huom",
            "huomautus",
            "kommentti",
            "toimitusohjeet",
        ),
    ),
    Target(
        "merchant",
        "Merchant",
        (
            "merchant",
            "shop",
            "store",
            "sender",
            "client",
            "kauppias",
            "lähettäjä",
            "kauppa",
            "toimeksiantaja",
        ),
    ),
    Target("hub", "Hub", ("hub", "depot", "terminal", "warehouse", "varasto", "terminaali")),
)
KEYS = frozenset(t.key for t in TARGETS)
REQUIRED = ("recipient_name", "address")
_BY_SYNONYM = {_s: t.key for t in TARGETS for _s in t.synonyms}
# Where each body field's errors are shown: the column that fed it.
_FIELD_TARGET = {
    "reference": "reference",
    "recipient.name": "recipient_name",
    "recipient.phone": "phone",
    "recipient.email": "email",
    "recipient": "recipient_name",
    "address.text": "address",
    "address.lat": "lat",
    "address.lon": "lon",
    "address": "address",
    "window.start": "window_from",
    "window.end": "window_to",
    "window": "window_from",
    "delivery_date": "date",
    "parcel_count": "parcels",
    "weight_kg": "weight_kg",
    "cod.amount": "cod_amount",
    "cod.currency": "cod_currency",
    "cod": "cod_amount",
    "instructions": "notes",
    "merchant": "merchant",
    "hub_id": "hub",
}


def _normal(header: str) -> str:
    text = unicodedata.normalize("NFC", header).casefold()
    text = re.sub(r"\(.*?\)", " ", text)
    return " ".join(re.sub(r"[^\w@-]+", " ", text).replace("_", " ").split())


def guess_mapping(headers: Sequence[str]) -> dict[str, int]:
    """Target key → column index, from headers that name them (first match wins).

    >>> guess_mapping(["Nimi", "Osoite", "Puh.", "Kollit"])
    {'recipient_name': 0, 'address': 1, 'phone': 2, 'parcels': 3}
    """
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _BY_SYNONYM.get(_normal(header))
        if key is not None and key not in found:
            found[key] = index
    return found


def check_mapping(mapping: Mapping[str, int], width: int) -> list[FieldError]:
    """What is wrong with a mapping the dispatcher chose, by target key."""
    errors = [
        FieldError(f"mapping.{key}", "is not a field an import can fill")
        for key in mapping
        if key not in KEYS
    ]
    errors += [
        FieldError(f"mapping.{key}", f"column {index + 1} is not in the file ({width} columns)")
        for key, index in mapping.items()
        if key in KEYS and not 0 <= index < width
    ]
    label = {t.key: t.label for t in TARGETS}
    errors += [
        FieldError(f"mapping.{key}", f"choose the column that holds the {label[key].lower()}")
        for key in REQUIRED
        if key not in mapping
    ]
    return errors


@dataclass(frozen=True, slots=True)
class Defaults:
    """What a row without its own value gets: the hub and merchant chosen for the import."""

    hub_id: uuid.UUID | None = None
    merchant: str | None = None
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class HubRef:
    id: uuid.UUID
    timezone: str


@dataclass(slots=True)
class Mapped:
    """One row as a shipment body, or the cells that kept it from becoming one."""

    body: dict[str, object]
    errors: list[FieldError] = field(default_factory=list)


def to_body(
    row: Sequence[str],
    mapping: Mapping[str, int],
    *,
    defaults: Defaults,
    hubs: Mapping[str, HubRef],
    default_zone: ZoneInfo,
) -> Mapped:
    """The POST /api/v1/shipments body a row asks for; cells that cannot be read (a date, a
    time, a number, an unknown hub) are reported on their target key and left out."""
    cell = {key: row[i].strip() if i < len(row) else "" for key, i in mapping.items()}
    errors: list[FieldError] = []
    body: dict[str, object] = {}
    recipient: dict[str, object] = {}
    if cell.get("recipient_name"):
        recipient["name"] = cell["recipient_name"]
    for key, name in (("phone", "phone"), ("email", "email")):
        if cell.get(key):
            recipient[name] = cell[key]
    body["recipient"] = recipient
    street = ", ".join(
        p
        for p in (
            cell.get("address", ""),
            " ".join(q for q in (cell.get("postcode", ""), cell.get("city", "")) if q),
        )
        if p
    )
    address: dict[str, object] = {"text": street} if street else {}
    for key in ("lat", "lon"):
        if cell.get(key):
            address[key] = _number(cell[key], key, errors)
    body["address"] = address

    hub = _hub(cell.get("hub", ""), defaults, hubs, errors)
    if hub is not None:
        body["hub_id"] = str(hub.id)
    zone = ZoneInfo(hub.timezone) if hub is not None else default_zone
    _window(cell, zone, body, errors)

    if cell.get("reference"):
        body["reference"] = cell["reference"]
    if cell.get("parcels"):
        body["parcel_count"] = _whole(cell["parcels"], "parcels", errors)
    if cell.get("weight_kg"):
        body["weight_kg"] = _number(cell["weight_kg"], "weight_kg", errors)
    if cell.get("cod_amount"):
        amount = _decimal_text(cell["cod_amount"])
        body["cod"] = {"amount": amount, "currency": cell.get("cod_currency") or defaults.currency}
    if cell.get("notes"):
        body["instructions"] = cell["notes"]
    merchant = cell.get("merchant") or defaults.merchant
    if merchant:
        body["merchant"] = merchant
    return Mapped(body={k: v for k, v in body.items() if v is not None}, errors=errors)


def target_of(body_field: str) -> str:
    """The target key whose column fed a body field (`recipient.phone` → `phone`)."""
    parts = body_field.split(".")
    for size in range(len(parts), 0, -1):
        found = _FIELD_TARGET.get(".".join(parts[:size]))
        if found is not None:
            return found
    return parts[0]


def _hub(
    text: str, defaults: Defaults, hubs: Mapping[str, HubRef], errors: list[FieldError]
) -> HubRef | None:
    if not text:
        return hubs.get(str(defaults.hub_id)) if defaults.hub_id else None
    found = hubs.get(text.casefold()) or hubs.get(text)
    if found is None:
        errors.append(FieldError("hub", f"no hub `{text}` in this organisation: give its code"))
    return found


def _window(
    cell: Mapping[str, str], zone: ZoneInfo, body: dict[str, object], errors: list[FieldError]
) -> None:
    day = _day(cell["date"], errors) if cell.get("date") else None
    start = _clock(cell["window_from"], "window_from", errors) if cell.get("window_from") else None
    end = _clock(cell["window_to"], "window_to", errors) if cell.get("window_to") else None
    if day is not None:
        body["delivery_date"] = day.isoformat()
    if bool(cell.get("window_from")) != bool(cell.get("window_to")):
        missing = "window_from" if cell.get("window_to") else "window_to"
        errors.append(FieldError(missing, "give both ends of the time window, or neither"))
        return
    if start is None or end is None:
        return
    if day is None:
        if not cell.get("date"):
            errors.append(FieldError("date", "a time window needs the delivery date"))
        return
    body["window"] = {
        "start": datetime.combine(day, start, zone).isoformat(),
        "end": datetime.combine(day, end, zone).isoformat(),
    }


_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})[./](\d{1,2})[./](\d{2}|\d{4})")
_CLOCK = re.compile(r"(?:klo\s*)?(\d{1,2})(?:[:.](\d{2}))?(?::\d{2})?", re.IGNORECASE)


def _day(text: str, errors: list[FieldError]) -> date | None:
    found = _read_day(text.split(" ")[0].split("T")[0])
    if found is None:
        errors.append(FieldError("date", f"is {text!r}: write the day as 2026-12-24 or 24.12.2026"))
    return found


@functools.lru_cache(maxsize=4096)
def _read_day(text: str) -> date | None:
    """A day as 2026-12-24, 24.12.2026, 24.12.26 or 24/12/2026; None when it is none."""
    found = _DAY.fullmatch(text)
    if found is None:
        return None
    if found[1]:
        year, month, day = int(found[1]), int(found[2]), int(found[3])
    else:
        year, month, day = int(found[6]), int(found[5]), int(found[4])
        year += 2000 if year < 100 else 0
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _clock(text: str, key: str, errors: list[FieldError]) -> time | None:
    found = _read_clock(text.strip())
    if found is None:
        errors.append(FieldError(key, f"is {text!r}: write the time as 09:00 or 9.00"))
    return found


@functools.lru_cache(maxsize=4096)
def _read_clock(text: str) -> time | None:
    found = _CLOCK.fullmatch(text)
    if found is None or int(found[1]) > 23 or int(found[2] or 0) > 59:
        return None
    return time(int(found[1]), int(found[2] or 0))


def _decimal_text(text: str) -> str:
    """A number as people write it in Finland too: `1 234,50` → `1234.50`."""
    compact = text.replace("\u00a0", "").replace(" ", "").replace("€", "")
    if "," in compact and "." not in compact:
        compact = compact.replace(",", ".")
    return compact


def _number(text: str, key: str, errors: list[FieldError]) -> float | None:
    try:
        return float(_decimal_text(text))
    except ValueError:
        errors.append(FieldError(key, f"is {text!r}: not a number"))
        return None


def _whole(text: str, key: str, errors: list[FieldError]) -> int | None:
    value = _number(text, key, errors)
    if value is None:
        return None
    if not value.is_integer():
        errors.append(FieldError(key, f"is {text!r}: not a whole number"))
        return None
    return int(value)

"""Column mapping guessed from English and Finnish headers, and a row read into a body."""

import uuid
from zoneinfo import ZoneInfo

from lastmile.imports.mapping import Defaults, HubRef, guess_mapping, target_of, to_body

HELSINKI = ZoneInfo("Europe/Helsinki")


def test_english_and_finnish_headers_are_recognised() -> None:
    headers = [
        "Tilausnumero",
        "Vastaanottaja",
        "Puhelin",
        "Katuosoite",
        "Postinumero",
        "Kaupunki",
        "Toimituspäivä",
        "Alkaen",
        "Asti",
        "Kollit",
        "Paino (kg)",
        "Jälkivaatimus",
        "Lisätiedot",
        "Something else",
    ]
    assert guess_mapping(headers) == {
        "reference": 0,
        "recipient_name": 1,
        "phone": 2,
        "address": 3,
        "postcode": 4,
        "city": 5,
        "date": 6,
        "window_from": 7,
        "window_to": 8,
        "parcels": 9,
        "weight_kg": 10,
        "cod_amount": 11,
        "notes": 12,
    }
    assert guess_mapping(["Customer Name", "Delivery address", "E-mail", "Order ID"]) == {
        "recipient_name": 0,
        "address": 1,
        "email": 2,
        "reference": 3,
    }


def test_a_row_becomes_a_body_with_its_window_in_the_hubs_clock() -> None:
    hub = HubRef(id=uuid.uuid4(), timezone="Europe/Helsinki")
    mapping = {
        "recipient_name": 0,
        "address": 1,
        "postcode": 2,
        "city": 3,
        "date": 4,
        "window_from": 5,
        "window_to": 6,
        "parcels": 7,
        "weight_kg": 8,
        "cod_amount": 9,
        "hub": 10,
    }
    row = [
        "Aino",
        "Mannerheimintie 1",
        "00100",
        "Helsinki",
        "8.12.2026",
        "9.00",
        "12:30",
        "2",
        "1,5",
        "49,90",
        "hel1",
    ]

    mapped = to_body(
        row, mapping, defaults=Defaults(), hubs={"hel1": hub}, default_zone=ZoneInfo("UTC")
    )

    assert mapped.errors == []
    assert mapped.body == {
        "recipient": {"name": "Aino"},
        "address": {"text": "Mannerheimintie 1, 00100 Helsinki"},
        "hub_id": str(hub.id),
        "delivery_date": "2026-12-08",
        "window": {"start": "2026-12-08T09:00:00+02:00", "end": "2026-12-08T12:30:00+02:00"},
        "parcel_count": 2,
        "weight_kg": 1.5,
        "cod": {"amount": "49.90", "currency": "EUR"},
    }


def test_cells_that_cannot_be_read_are_named_by_their_target() -> None:
    mapping = {
        "recipient_name": 0,
        "address": 1,
        "date": 2,
        "window_from": 3,
        "parcels": 4,
        "hub": 5,
    }
    row = ["Aino", "Street 1", "tomorrow", "9", "two", "NOPE"]

    mapped = to_body(row, mapping, defaults=Defaults(), hubs={}, default_zone=HELSINKI)

    assert [(e.field, e.message) for e in mapped.errors] == [
        ("hub", "no hub `NOPE` in this organisation: give its code"),
        ("date", "is 'tomorrow': write the day as 2026-12-24 or 24.12.2026"),
        ("window_to", "give both ends of the time window, or neither"),
        ("parcels", "is 'two': not a number"),
    ]


def test_schema_fields_lead_back_to_their_columns() -> None:
    assert target_of("recipient.phone") == "phone"
    assert target_of("window.start") == "window_from"
    assert target_of("window") == "window_from"
    assert target_of("cod.amount") == "cod_amount"
    assert target_of("parcel_count") == "parcels"

"""The embedded geocoder on real addresses: how often the first answer is the door.

Data: the Monaco extract in `$LASTMILE_SHARED_DATA/osm/monaco.osm.pbf` (default
`../shared/data` beside the repository). Every address point with a street and a house
number is written out several ways a courier meets it (clean, a typo, abbreviated, no
diacritics and upper case, words reordered, extra words, no house number), geocoded, and
the first candidate compared with the point's own position. Monaco's extract holds only
62 such points, so each is asked in every variant (6 x 62 = 372 queries with a number).
On SQLite and, when reachable, PostgreSQL.

Then the bundled Helsinki map (the one `lastmile map default` installs, fetched into
`$LASTMILE_BENCH_DATA_DIR`, default a folder in the system's temporary directory): 1,000
real doors sampled with a fixed seed, asked clean, perturbed and unfixable
(`bench/_helsinki_doors.py`).

Run: `.venv/bin/python bench/addresses.py [monaco|helsinki]` from the repository root (both
when no map is named); prints markdown.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._api import admin_client
from bench._databases import postgres_engine, sqlite_engine
from bench._helsinki_doors import SAMPLE, SEED, Figures, measure_helsinki, targets_table

from lastmile.addresses.extract import read_extract
from lastmile.addresses.geocoder import IndexGeocoder
from lastmile.addresses.index import store
from lastmile.addresses.models import AddressName, AddressPoint
from lastmile.addresses.normalise import STREET_TYPES, fold
from lastmile.addresses.types import Precision
from lastmile.geo import haversine_m
from lastmile.routing.maps import MapSourceError, ensure_default_map

COMMAND = ".venv/bin/python bench/addresses.py"
REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LASTMILE_SHARED_DATA", REPO.parent / "shared" / "data"))
WITHIN_M = 30.0
BULK_ROWS = 1000
SHORT = {"avenue": "Av.", "boulevard": "Bd", "place": "Pl.", "saint": "St", "sainte": "Ste"}

Truth = tuple[str, str, float, float]
"""(street, house number, lat, lon) of one real address point."""


def _typo(street: str, rng: random.Random) -> str:
    """Two neighbouring letters swapped in the street's longest proper word."""
    parts = street.split()
    names = [p for p in parts if fold(p) not in STREET_TYPES and len(p) >= 4] or parts
    word = max(names, key=len)
    i = rng.randrange(len(word) - 1)
    swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return street.replace(word, swapped, 1)


def _abbreviated(street: str) -> str:
    return " ".join(SHORT.get(fold(w), w) for w in street.split())


def _reordered(street: str) -> str:
    parts = street.split()
    return " ".join([*parts[1:], parts[0]])


VARIANTS: dict[str, Callable[[Truth, random.Random], str]] = {
    "clean": lambda t, _: f"{t[1]} {t[0]}, Monaco",
    "typo": lambda t, rng: f"{t[1]} {_typo(t[0], rng)}",
    "abbreviated": lambda t, _: f"{t[1]} {_abbreviated(t[0])}, 98000 Monaco",
    "no diacritics, upper case": lambda t, _: fold(f"{t[0]} {t[1]}").upper(),
    "words reordered": lambda t, _: f"{_reordered(t[0])} {t[1]}",
    "extra words": lambda t, _: f"Résidence Les Jardins, {t[1]} {t[0]}, Monte-Carlo",
}


def _truths(session: Session) -> list[Truth]:
    rows = session.execute(
        select(AddressName.name, AddressPoint.housenumber, AddressPoint.lat, AddressPoint.lon)
        .join(AddressName, AddressName.id == AddressPoint.street_id)
        .where(AddressName.kind == "street")
        .order_by(AddressPoint.id)
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def _bulk_seconds(engine: Engine, texts: list[str]) -> list[float]:
    """`POST /api/v1/shipments/bulk` of 1,000 shipments given by their address text alone."""
    timings = []
    with admin_client(engine) as (client, headers):
        for run in range(3):
            rows = [
                {
                    "reference": f"A{run}-{i}",
                    "recipient": {"name": f"Recipient {i}"},
                    "address": {"text": texts[i % len(texts)]},
                    "delivery_date": "2026-12-08",
                }
                for i in range(BULK_ROWS)
            ]
            started = time.perf_counter()
            response = client.post(
                "/api/v1/shipments/bulk",
                json={"shipments": rows},
                headers=headers,
            )
            timings.append(time.perf_counter() - started)
            if response.status_code != 200 or response.json()["created"] != BULK_ROWS:
                raise RuntimeError(f"bulk create failed: {response.status_code} {response.text}")
    return timings


def _measure(engine: Engine, pbf: Path) -> list[str]:
    extract = read_extract(pbf)
    with Session(engine) as session:
        store(session=session, extract=extract, map_name="monaco", source=pbf.name)
        session.commit()
        geocoder = IndexGeocoder(session)
        truths = _truths(session)
        rng = random.Random(21)
        lines = [
            "| text | queries | first answer within 30 m | score of the hits (median) |",
            "|---|---:|---:|---:|",
        ]
        times_s: list[float] = []
        hits_all = total = 0
        for label, make in VARIANTS.items():
            hits: list[float] = []
            for truth in truths:
                text = make(truth, rng)
                started = time.perf_counter()
                found = geocoder.geocode(text)
                times_s.append(time.perf_counter() - started)
                first = found[0] if found else None
                if first and haversine_m(first.lat, first.lon, truth[2], truth[3]) <= WITHIN_M:
                    hits.append(first.score)
            hits_all += len(hits)
            total += len(truths)
            median = statistics.median(hits) if hits else 0.0
            lines.append(
                f"| {label} | {len(truths)} | {len(hits) / len(truths):.0%} | {median:.2f} |"
            )
        lines.append(f"| **all of the above** | {total} | **{hits_all / total:.0%}** | |")

        streets = sorted({t[0] for t in truths})
        without = [geocoder.geocode(f"{s}, Monaco") for s in streets]
        street_only = sum(
            1 for c in without if c and c[0].precision is Precision.STREET and c[0].score < 0.8
        )
        lines.append("")
        lines.append(
            f"No house number (`<street>, Monaco`, {len(streets)} streets): "
            f"{street_only} of {len(streets)} answered at street precision with a score "
            "under 0.8, so never taken for a door (address quality flags them)."
        )
        texts = [make(t, rng) for make in VARIANTS.values() for t in truths]
        started = time.perf_counter()
        geocoder.geocode_many(texts)
        many_s = time.perf_counter() - started
        times_ms = sorted(t * 1000 for t in times_s)
        p99 = times_ms[int(0.99 * (len(times_ms) - 1))]
        lines.append("")
        lines.append(
            f"Time per query, one at a time: median {statistics.median(times_ms):.1f} ms, "
            f"p99 {p99:.1f} ms; all {len(texts)} texts in one `geocode_many`: "
            f"{many_s * 1000 / len(texts):.2f} ms a text."
        )
    bulk = _bulk_seconds(engine, texts)
    lines.append("")
    lines.append(
        f"A bulk create of {BULK_ROWS:,} shipments with these texts as their only address "
        f"({len(set(texts))} distinct texts, each geocoded once and every shipment judged, "
        f"`POST /api/v1/shipments/bulk`): median "
        f"{statistics.median(bulk):.2f} s of 3 (see Bulk shipment creation above for the "
        "same without an address index)."
    )
    return lines


def _monaco() -> list[str]:
    pbf = SHARED / "osm" / "monaco.osm.pbf"
    if not pbf.is_file():
        print(f"{pbf} is absent: Monaco not measured", file=sys.stderr)
        return []
    out = [
        "## Geocoding: does the first answer find the door",
        "",
        f"Command: `{COMMAND}`",
        "",
        "Every Monaco address point with a street and a number (62 in the extract), each "
        "written six ways; a hit is a first candidate within 30 m of the point. The index is "
        "built from the same extract (`lastmile addresses index`). The three misses in every "
        "row: one of the five points of `25 Avenue Albert II`, 60 m apart (the answer is "
        "where most of them are), and two four-digit house numbers (`2541 Avenue Maréchal "
        "de Lattre de Tassigny`, `1312 Avenue Raymond Poincaré`) that a text cannot tell "
        "from a postcode, answered at street precision.",
    ]
    with sqlite_engine() as engine:
        out += ["", "### SQLite", "", *_measure(engine, pbf)]
    with postgres_engine() as pg:
        if pg is not None:
            out += ["", "### PostgreSQL", "", *_measure(pg, pbf)]
    return out


HELSINKI_NOTES = [
    "Each door is asked clean (`Mannerheimintie 12, 00100 Helsinki`) and once perturbed, "
    "the ways taken in turn: a typo in the street (a swapped, dropped, doubled or "
    "neighbouring key, never the first letter), Finnish short forms (`Fredrikink. 41`, "
    "`Mannerheimint. 12`), words reordered (`Helsinki, 12 Mannerheimintie`), no diacritics "
    "in one case, a flat or staircase added (`12 B 7`, `12 as. 7`, `12 A 3`), the street's "
    "Swedish name (`name:sv`: `Mannerheimvägen 12, Helsingfors`), and a typo, no "
    "diacritics and a flat at once. The unfixable texts: every sampled street without a "
    "number; keyboard noise; made-up Finnish street names (none more than 80 % like a "
    "real one); real streets with a number none of their points carries. Streets tagged "
    "with more than a name (`addr:street=Pohjoisesplanadi 33`) are left out of the "
    "unfixable ones, which must be unfixable for sure.",
    "",
    "A miss of the kind *the same address mapped again more than 50 m away* is a street "
    "and number read right on an address the map has at several points far apart (a "
    "department store's entrances, a block's corner shops): the geocoder answers where most "
    "of its points are, and a sampled point away from them counts as a miss.",
    "",
    "Time per geocode is the wall clock on a machine shared with other jobs (the load "
    "average is printed beside it); this process's CPU time alone is what an idle machine "
    "would show with SQLite, where the database works in-process too.",
]


def _helsinki() -> list[str]:
    data_dir = Path(
        os.environ.get("LASTMILE_BENCH_DATA_DIR", Path(tempfile.gettempdir()) / "lastmile-bench")
    )
    try:
        pbf = ensure_default_map(data_dir)
    except MapSourceError as error:
        print(f"Helsinki not measured: {error.detail}", file=sys.stderr)
        return []
    out = [
        "### Helsinki: the bundled map",
        "",
        f"Command: `{COMMAND} helsinki`",
        "",
        f"{SAMPLE:,} address points with a street and a number, sampled with seed {SEED} "
        "from the bundled central-Helsinki extract; a hit is a first candidate within 50 m "
        "of the point; flagged means address quality says it needs attention.",
    ]
    figures: dict[str, Figures] = {}
    sections: list[str] = []
    with sqlite_engine() as engine:
        lines, figures["SQLite"] = measure_helsinki(engine, pbf)
        sections += ["", "#### SQLite", "", *lines]
    with postgres_engine() as pg:
        if pg is not None:
            lines, figures["PostgreSQL"] = measure_helsinki(pg, pbf, misses_shown=0)
            sections += ["", "#### PostgreSQL", "", *lines]
    return [*out, "", *targets_table(figures), "", *HELSINKI_NOTES, *sections]


def main() -> int:
    wanted = sys.argv[1:] or ["monaco", "helsinki"]
    out = []
    if "monaco" in wanted:
        out += _monaco()
    if "helsinki" in wanted and (helsinki := _helsinki()):
        out += ["", *helsinki]
    print("\n".join(out))
    return 0 if out else 1


if __name__ == "__main__":
    sys.exit(main())

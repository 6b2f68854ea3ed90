"""The embedded geocoder on the bundled Helsinki map: 1,000 real doors, asked clean,
perturbed and unfixable, judged by address quality as a shipment would be."""

import os
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench._courier_texts import (
    Door,
    nonsense,
    numbers_not_on_street,
    perturbed,
    streets_not_on_map,
    without_number,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lastmile.addresses.extract import read_extract
from lastmile.addresses.geocoder import IndexGeocoder
from lastmile.addresses.index import store
from lastmile.addresses.normalise import fold, parse_house_number
from lastmile.addresses.quality import assess
from lastmile.addresses.types import Candidate
from lastmile.geo import haversine_m

SAMPLE = 1000
SEED = 21
WITHIN_M = 50.0
UNFIXABLE_EACH = 100


def _doors(pbf: Path) -> tuple[list[Door], dict[str, list[str]]]:
    """Every address point with a street and a readable number, and each street's numbers."""
    extract = read_extract(pbf)
    swedish = {
        name: sorted(others)[0]
        for name, others in extract.other_names.items()
        if not any(fold(o) == fold(name) for o in others)
    }
    doors = [
        Door(a.street, a.housenumber, a.postcode, a.lat, a.lon, swedish.get(a.street))
        for a in extract.addresses
        if a.street and parse_house_number(a.housenumber) is not None
    ]
    by_street: dict[str, list[str]] = {}
    for door in doors:
        by_street.setdefault(door.street, []).append(door.housenumber)
    return doors, by_street


class _Timed:
    """The geocoder, one text at a time, each call timed."""

    def __init__(self, geocoder: IndexGeocoder) -> None:
        self.geocoder = geocoder
        self.times_ms: list[float] = []
        self.cpu_ms: list[float] = []
        """This process's own CPU time per call: what the wall clock shows on an idle
        machine (with SQLite, where the database works in-process too)."""

    def __call__(self, text: str) -> list[Candidate]:
        started, started_cpu = time.perf_counter(), time.thread_time()
        found = self.geocoder.geocode(text)
        self.times_ms.append((time.perf_counter() - started) * 1000)
        self.cpu_ms.append((time.thread_time() - started_cpu) * 1000)
        return found


def _miss(found: list[Candidate], door: Door) -> str | None:
    """None for a first answer within 50 m, else what went wrong."""
    if not found:
        return "nothing found"
    first = found[0]
    if haversine_m(first.lat, first.lon, door.lat, door.lon) <= WITHIN_M:
        return None
    if first.matched.street not in (door.street, door.swedish):
        return f"another street ({first.label})"
    if first.matched.housenumber is None:
        return "street only"
    return "the same address mapped again more than 50 m away"


def _door_rows(
    geocode: _Timed, asked: list[tuple[str, Door, str]], misses: list[str]
) -> tuple[list[str], int, int]:
    """A table row per way of writing: hits within 50 m and texts not flagged."""
    by_way: dict[str, list[tuple[bool, bool]]] = {}
    for way, door, text in asked:
        found = geocode(text)
        miss = _miss(found, door)
        if miss is not None:
            misses.append(f"{way}: `{text}` → {miss}")
        by_way.setdefault(way, []).append((miss is None, not assess(text, found).needs_attention))
    rows = []
    for way, results in by_way.items():
        hits = sum(h for h, _ in results)
        clear = sum(c for _, c in results)
        rows.append(
            f"| {way} | {len(results)} | {hits / len(results):.1%} | {clear / len(results):.1%} |"
        )
    hits = sum(h for r in by_way.values() for h, _ in r)
    return rows, hits, len(asked)


def _kinds(clean: list[str], perturbed: list[str]) -> list[str]:
    """A table of the misses' kinds (the text after the arrow, example left out)."""

    def kind(miss: str) -> str:
        return miss.rsplit(" → ", 1)[1].split(" (", 1)[0]

    in_clean, in_perturbed = Counter(map(kind, clean)), Counter(map(kind, perturbed))
    rows = ["| miss | clean | perturbed |", "|---|---:|---:|"]
    for name in sorted(in_clean.keys() | in_perturbed.keys()):
        rows.append(f"| {name} | {in_clean[name]} | {in_perturbed[name]} |")
    return rows


@dataclass(frozen=True, slots=True)
class Figures:
    """What issue #21 sets targets for, as shares 0..1 and milliseconds."""

    clean: float
    perturbed: float
    flagged: float
    p50_ms: float
    p99_ms: float


def targets_table(by_database: dict[str, Figures]) -> list[str]:
    """Issue #21's targets beside what each database measured."""
    names = list(by_database)
    rows = [
        f"| target | {' | '.join(names)} |",
        f"|---|{'---:|' * len(names)}",
    ]
    checks = [
        ("first answer within 50 m, clean text: ≥ 90 %", lambda f: f"{f.clean:.1%}"),
        ("first answer within 50 m, perturbed text: ≥ 75 %", lambda f: f"{f.perturbed:.1%}"),
        ("unfixable texts flagged: ≥ 90 %", lambda f: f"{f.flagged:.1%}"),
        ("time per geocode, p99: < 50 ms", lambda f: f"{f.p99_ms:.1f} ms (p50 {f.p50_ms:.1f})"),
    ]
    for label, show in checks:
        rows.append(f"| {label} | {' | '.join(show(by_database[n]) for n in names)} |")
    return rows


def measure_helsinki(
    engine: Engine, pbf: Path, *, misses_shown: int = 12
) -> tuple[list[str], Figures]:
    doors, by_street = _doors(pbf)
    rng = random.Random(SEED)
    sample = rng.sample(doors, SAMPLE)
    with Session(engine) as session:
        started = time.perf_counter()
        store(session=session, extract=read_extract(pbf), map_name="helsinki", source=pbf.name)
        session.commit()
        built_s = time.perf_counter() - started
        geocode = _Timed(IndexGeocoder(session))
        header = [
            "| text | queries | first answer within 50 m | not flagged |",
            "|---|---:|---:|---:|",
        ]
        clean_misses: list[str] = []
        clean_rows, clean_hits, clean_n = _door_rows(
            geocode, [("clean", d, d.clean()) for d in sample], clean_misses
        )
        perturbed_misses: list[str] = []
        rows, hits, total = _door_rows(geocode, perturbed(sample, rng), perturbed_misses)
        unfixable = {
            "no house number (`<street>, Helsinki`)": without_number(sample),
            "nonsense (`xkqvd 12`)": nonsense(UNFIXABLE_EACH, rng),
            "a street not on the map (`Kuusenrinteenkuja 5`)": streets_not_on_map(
                UNFIXABLE_EACH, sorted(by_street), rng
            ),
            "a number not on that street": numbers_not_on_street(by_street, UNFIXABLE_EACH, rng),
        }
        flag_rows = ["| unfixable text | queries | flagged as needing attention | reasons |"]
        flag_rows.append("|---|---:|---:|---|")
        flagged_all = unfixable_n = 0
        not_flagged: list[str] = []
        for label, texts in unfixable.items():
            reasons: Counter[str] = Counter()
            flagged = 0
            for text in texts:
                quality = assess(text, geocode(text))
                if quality.needs_attention:
                    flagged += 1
                    reasons.update(r.code.value for r in quality.reasons[:1])
                else:
                    not_flagged.append(f"`{text}`")
            flagged_all += flagged
            unfixable_n += len(texts)
            common = ", ".join(f"{code} {n}" for code, n in reasons.most_common())
            flag_rows.append(f"| {label} | {len(texts)} | {flagged / len(texts):.1%} | {common} |")
    flag_rows.append(
        f"| **all unfixable** | {unfixable_n} | **{flagged_all / unfixable_n:.1%}** | |"
    )
    times = sorted(geocode.times_ms)
    p99 = times[int(0.99 * (len(times) - 1))]
    cpu = sorted(geocode.cpu_ms)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    figures = Figures(
        clean_hits / clean_n,
        hits / total,
        flagged_all / unfixable_n,
        statistics.median(times),
        p99,
    )
    return [
        f"Index built from the extract in {built_s:.1f} s.",
        "",
        *header,
        *clean_rows,
        *rows,
        f"| **all perturbed** | {total} | **{hits / total:.1%}** | |",
        "",
        f"Clean: **{clean_hits / clean_n:.1%}** within 50 m; perturbed: "
        f"**{hits / total:.1%}**. The misses, by kind:",
        "",
        *_kinds(clean_misses, perturbed_misses),
        "",
        *[f"- {m}" for m in [*clean_misses, *perturbed_misses][:misses_shown]],
        *([""] if misses_shown else []),
        *flag_rows,
        "",
        f"Unfixable texts not flagged: {', '.join(not_flagged[:20]) or 'none'}.",
        "",
        f"Time per query, one at a time ({len(times)} queries): median "
        f"{statistics.median(times):.1f} ms, p99 {p99:.1f} ms (load average {load} on "
        f"{os.cpu_count()} cores); this process's CPU time alone: median "
        f"{statistics.median(cpu):.1f} ms, p99 {cpu[int(0.99 * (len(cpu) - 1))]:.1f} ms.",
    ], figures

"""Where an API process's CPU went, per stage of the fix path and per other job, from py-spy's
folded stacks (`bench/load.py` with `BENCH_PROFILE=<folder>`).

A sample belongs to the stage of the innermost frame of our own code on its stack (so a
database call made by the ETA update counts as ETA, the fix path's cleaning called from the
fast path as cleaning); a sample with none of our code is named by its innermost frame's
library (the HTTP server and event loop, the ORM, ...).

Run: `.venv/bin/python bench/profile_stages.py <folder>/api-*.txt`
"""

import re
import sys
from collections import Counter
from pathlib import Path

STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fix: decode and way in", ("lastmile/ingest/protocols/", "lastmile/ingest/ways_in.py")),
    ("fix: fast path", ("lastmile/ingest/fast_path.py",)),
    (
        "fix: clean (dedupe, order, accuracy, speed, smooth)",
        ("lastmile/ingest/stages.py", "lastmile/ingest/filters.py", "lastmile/ingest/smoothing.py"),
    ),
    (
        "fix: persist (group commit, COPY)",
        ("lastmile/ingest/writer.py", "lastmile/ingest/store.py"),
    ),
    ("fix: publish (live lane)", ("lastmile/bus/",)),
    ("fix: ETA (database lane)", ("lastmile/eta/",)),
    ("fix: alerts (database lane)", ("lastmile/alerts/",)),
    ("fix: stop detector", ("lastmile/trips/",)),
    ("fix: pipeline and queues", ("lastmile/ingest/",)),
    ("streams (fleet, tracking pages)", ("stream.py",)),
    ("driver actions and outcomes", ("lastmile/driver/", "lastmile/dispatch/")),
    ("fix: ETA's notification checks", ("lastmile/notify/",)),
    ("sign-in and sessions", ("lastmile/auth/", "lastmile/driver_auth/")),
    (
        "HTTP: our middleware and what runs below it (routing, sending)",
        ("lastmile/api/", "lastmile/ratelimit/", "lastmile/web/security"),
    ),
    ("HTTP server and event loop", ("lastmile/cli.py",)),
    ("shipments and the tracking page", ("lastmile/shipments/", "lastmile/web/tracking/")),
    ("other of ours", ("lastmile/",)),
)
LIBRARIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("database driver and ORM", ("sqlalchemy/", "psycopg")),
    ("JSON and validation", ("json", "pydantic")),
    (
        "HTTP server and event loop",
        ("uvicorn/", "starlette/", "fastapi/", "anyio/", "asyncio/", "h11"),
    ),
    ("garbage collection and the rest", ("",)),
)
_LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")


def classify(frames: list[str]) -> str:
    ours = [frame for frame in frames if "lastmile/" in frame]
    if ours:
        innermost = ours[-1]
        return next(
            name for name, needles in STAGES if any(needle in innermost for needle in needles)
        )
    leaf = frames[-1] if frames else ""
    return next(name for name, needles in LIBRARIES if any(n in leaf for n in needles))


def read(path: Path) -> tuple[Counter[str], Counter[str]]:
    """Samples per stage, and per innermost function of ours or a library."""
    stages: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        frames = match["stack"].split(";")
        count = int(match["count"])
        stages[classify(frames)] += count
        leaves[frames[-1]] += count
    return stages, leaves


def main(paths: list[Path]) -> None:
    stages: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for path in paths:
        more_stages, more_leaves = read(path)
        stages += more_stages
        leaves += more_leaves
    total = sum(stages.values()) or 1
    print(f"{total:,} samples (active, every process given) from {len(paths)} file(s)\n")
    print("| where | share of CPU |\n|---|---|")
    for name, count in stages.most_common():
        print(f"| {name} | {100 * count / total:.1f} % |")
    print("\n| innermost function (self) | share |\n|---|---|")
    for frame, count in leaves.most_common(12):
        print(f"| `{frame}` | {100 * count / total:.1f} % |")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]])

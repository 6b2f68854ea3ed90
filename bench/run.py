"""`make bench`: run each benchmark, keep its section, and rebuild docs/PERFORMANCE.md.

Each `bench/<name>.py` prints one markdown section on stdout. `make bench ARGS="stops"` runs
only the named ones; the other sections stay as last recorded.
"""

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ROOT / "docs" / "performance"
ORDER = [
    "cli",
    "shipments",
    "charges",
    "imports",
    "ingest",
    "stops",
    "planning",
    "routing",
    "sim",
    "eta",
    "tracking",
    "control_tower",
    "load",
    "embedded",
    "sign_in_load",
    "addresses",
    "test_suite",
]


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def compose() -> str:
    """docs/PERFORMANCE.md as the sections in docs/performance/ make it, in ORDER.

    Edit a section's file, never PERFORMANCE.md itself: a run of `make bench` rewrites it
    from the sections (tests/test_performance_doc.py checks the two agree).
    """
    parts = [
        "# Performance\n",
        "Every figure here is printed by a script in `bench/`; `make bench` re-runs them all and",
        'rewrites this file (`make bench ARGS="stops planning"` re-runs only those).',
        "These machines are shared and noisy: where we can, a figure is a ratio to a baseline",
        "measured in the same process.\n",
    ]
    for name in ORDER:
        path = SECTIONS / f"{name}.md"
        if path.exists():
            parts.append(path.read_text())
    return "\n".join(parts)


def main(names: list[str]) -> int:
    available = [n for n in ORDER if (ROOT / "bench" / f"{n}.py").exists()]
    chosen = names or available
    SECTIONS.mkdir(parents=True, exist_ok=True)
    failed = []
    for name in chosen:
        print(f"== bench/{name}.py", file=sys.stderr, flush=True)
        run = subprocess.run(
            [sys.executable, str(ROOT / "bench" / f"{name}.py")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            failed.append(name)
            continue
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        section = run.stdout.strip() + f"\n\n_Recorded {stamp} on {_machine()}._\n"
        (SECTIONS / f"{name}.md").write_text(section)
        print(section)
    (ROOT / "docs" / "PERFORMANCE.md").write_text(compose())
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

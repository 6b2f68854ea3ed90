"""docs/PERFORMANCE.md is made from docs/performance/*.md: the two never drift apart.

`make bench` rewrites PERFORMANCE.md from the section files; a figure written only into
PERFORMANCE.md would vanish at the next run, and one written only into a section would
not be read.
"""

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _bench_run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_performance_doc_is_its_sections() -> None:
    composed = _bench_run().compose()
    assert (ROOT / "docs" / "PERFORMANCE.md").read_text() == composed


def test_every_section_file_is_in_the_order() -> None:
    run = _bench_run()
    sections = {path.stem for path in (ROOT / "docs" / "performance").glob("*.md")}
    assert sections <= set(run.ORDER), sections - set(run.ORDER)

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lastmile.app import create_app
from lastmile.config import Settings
from lastmile.runtime import YOUNG_COLLECTION_EVERY, tune_garbage_collector

CPYTHON_THRESHOLDS = (700, 10, 10)


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """CPython's own collector settings for the test, whatever an earlier test in this
    process left (an in-process `lastmile worker` tunes them), then restored."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(*CPYTHON_THRESHOLDS)
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("unfrozen")
def test_freezing_leaves_every_live_object_out_of_collection() -> None:
    alive = [[] for _ in range(3)]  # containers the collector tracks, like a server's
    assert all(_tracked(o) for o in alive)

    frozen = tune_garbage_collector()

    # Not `==`: a thread left by an earlier test may free a frozen object in between.
    assert frozen >= len(alive)
    assert gc.get_freeze_count() >= len(alive)
    assert not any(_tracked(o) for o in alive)
    assert _tracked([])  # what is made afterwards is collected as before


@pytest.mark.usefixtures("unfrozen")
def test_young_objects_are_collected_less_often_than_by_default() -> None:
    default_every = gc.get_threshold()[0]

    tune_garbage_collector()

    assert gc.get_threshold()[0] == YOUNG_COLLECTION_EVERY > default_every


def _tracked(candidate: object) -> bool:
    return any(o is candidate for o in gc.get_objects())


@pytest.mark.usefixtures("unfrozen")
@pytest.mark.parametrize(
    ("asked", "setting", "frozen"), [(True, True, True), (True, False, False), (False, True, False)]
)
def test_an_app_freezes_its_heap_once_started_only_when_serving_and_allowed(
    tmp_path: Path, asked: bool, setting: bool, frozen: bool
) -> None:
    settings = Settings(_env_file=None, env="test", data_dir=tmp_path, gc_freeze=setting)  # type: ignore[call-arg]
    with TestClient(create_app(settings, freeze_heap=asked)):
        assert (gc.get_freeze_count() > 0) is frozen
        assert (gc.get_threshold()[0] == YOUNG_COLLECTION_EVERY) is frozen


def test_an_app_that_has_served_and_stopped_is_freed(settings: Settings) -> None:
    """Nothing global keeps an app alive once it stopped (FastAPI caches facts about each
    endpoint and dependency, so one closing over the app would keep every app ever built:
    a test process building thousands grew to gigabytes)."""
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
    gone = weakref.ref(app)
    del app, client

    gc.collect()

    assert gone() is None

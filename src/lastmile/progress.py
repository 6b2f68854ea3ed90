"""Progress bars for long command-line work (map import, planning, backtest, simulation).

Drawn on stderr and only on a terminal: piped or redirected, a command prints its results
alone, so scripts that read its output see no bar.
"""

from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)


class Bar:
    """One task on a progress display; every call is a no-op when the display is off."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress = progress
        self._task = task

    @property
    def shown(self) -> bool:
        """Whether the bar is drawn (on a terminal, and not turned off)."""
        return not self._progress.disable

    def advance(self, amount: float = 1.0) -> None:
        self._progress.advance(self._task, amount)

    def update(self, *, completed: float | None = None, description: str | None = None) -> None:
        self._progress.update(self._task, completed=completed, description=description)


@contextmanager
def progress_bar(
    description: str,
    *,
    total: float | None,
    enabled: bool = True,
    console: Console | None = None,
) -> Iterator[Bar]:
    """A bar from 0 to `total` (None: a pulse, for work of unknown length), gone when left;
    never drawn when not `enabled` or not on a terminal."""
    console = console or Console(stderr=True)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not enabled or not console.is_terminal,
        transient=True,
    )
    with progress:
        yield Bar(progress, progress.add_task(description, total=total))


def track[T](
    items: Iterable[T], description: str, *, console: Console | None = None
) -> Iterator[T]:
    """`items`, one by one, with a bar advancing as each is done."""
    total = len(items) if isinstance(items, Sized) else None
    with progress_bar(description, total=total, console=console) as bar:
        for item in items:
            yield item
            bar.advance()

"""Progress bars: drawn on a terminal, silent elsewhere, so piped output stays clean."""

import io

from rich.console import Console

from lastmile.progress import progress_bar, track


def _console(*, terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=terminal, width=80), out


def test_on_a_terminal_the_bar_is_drawn_with_its_description() -> None:
    console, out = _console(terminal=True)
    with progress_bar("indexing addresses", total=4, console=console) as bar:
        assert bar.shown
        bar.advance(2)
        bar.update(description="indexing streets")
    assert "indexing" in out.getvalue()


def test_off_a_terminal_nothing_is_written() -> None:
    console, out = _console(terminal=False)
    with progress_bar("indexing addresses", total=4, console=console) as bar:
        assert not bar.shown
        bar.advance(4)
    assert out.getvalue() == ""


def test_a_bar_turned_off_is_not_drawn_even_on_a_terminal() -> None:
    console, out = _console(terminal=True)
    with progress_bar("driving", total=10, enabled=False, console=console) as bar:
        assert not bar.shown
        bar.update(completed=5)
    assert out.getvalue() == ""


def test_track_yields_every_item_in_order() -> None:
    console, out = _console(terminal=True)
    assert list(track(iter("abc"), "letters", console=console)) == ["a", "b", "c"]
    assert list(track([1, 2, 3], "numbers", console=console)) == [1, 2, 3]
    assert "numbers" in out.getvalue()

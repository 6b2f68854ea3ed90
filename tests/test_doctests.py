"""Run every docstring example in the package (geometry, ETA maths, parsers)."""

import doctest
import importlib
import pkgutil

import pytest

import lastmile

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(lastmile.__path__, "lastmile.")
    if ".migrations" not in info.name and info.name != "lastmile.__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

"""Names a package offers, imported from its modules only when first used (PEP 562).

A package whose modules load heavy libraries (the solver, the routing engine) still offers
its names at the top, while a command that needs none of them starts at once.
"""

import importlib
from collections.abc import Callable, Collection, Sequence
from typing import Any


def lazy_attributes(
    package: str, *, modules: Sequence[str], names: Collection[str]
) -> Callable[[str], Any]:
    """A module `__getattr__` for `package` that finds each of `names` in the first of
    `modules` that has it (list the light modules first: each one looked in is imported).

    >>> getattr_ = lazy_attributes("json", modules=["scanner", "decoder"], names=["JSONDecoder"])
    >>> getattr_("JSONDecoder").__module__
    'json.decoder'
    """

    def module_getattr(name: str) -> Any:
        if name in names:
            for module in modules:
                found = importlib.import_module(f"{package}.{module}")
                if hasattr(found, name):
                    return getattr(found, name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return module_getattr

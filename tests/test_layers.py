"""The packages of `lastmile` call down, never up and never in circles (docs/ARCHITECTURE.md)."""

import ast
from collections import defaultdict
from pathlib import Path

import lastmile

PACKAGE = Path(lastmile.__file__).parent


def _imported_packages(path: Path) -> set[str]:
    """The top-level modules of `lastmile` that one file imports (inside functions too)."""
    own = path.relative_to(PACKAGE).parts
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] == "lastmile":
                found |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 1 and len(own) > 1:
            found.add(own[0])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("lastmile.")}
    return found


def package_graph() -> dict[str, set[str]]:
    """Which top-level package (or module) of `lastmile` imports which others."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        package = parts[0] if len(parts) > 1 else path.stem
        graph[package] |= _imported_packages(path) - {package}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def _module_name(path: Path) -> str:
    """`lastmile.pod.blobs` for `pod/blobs.py`, `lastmile.pod` for `pod/__init__.py`."""
    parts = ("lastmile", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The modules of `lastmile` that one file imports (inside functions and `TYPE_CHECKING`
    blocks too): `from a.b import c` names the module `a.b.c` when there is one, else `a.b`."""
    own = _module_name(path).split(".")
    here = own if path.name == "__init__.py" else own[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                name = f"{source}.{alias.name}"
                found |= {name} if name in modules else {source} & modules
    return found


def module_graph() -> dict[str, set[str]]:
    """Which module of `lastmile` imports which others of the same top-level package."""
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name.split(".")[:2]
        graph[name] = {
            imported
            for imported in _imported_modules(path, set(paths)) - {name}
            if imported.split(".")[:2] == package
        }
    return graph


def test_the_cycle_finder_finds_a_loop_of_three() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_package_imports_another_in_a_circle() -> None:
    assert cycles(package_graph()) == []


def test_the_module_graph_sees_the_sibling_modules_a_file_imports() -> None:
    graph = module_graph()
    assert "lastmile.pod.blobs" in graph["lastmile.pod.s3"]
    assert "lastmile.trips.types" in graph["lastmile.trips.segmentation"]
    assert "lastmile.ingest.protocols._validate" in graph["lastmile.ingest.protocols.native"]


def test_no_module_imports_another_of_its_package_in_a_circle() -> None:
    """Inside a package, files call down too: a shared shape moves to a module both sides
    import, a choice between two implementations moves up to the caller."""
    assert cycles(module_graph()) == []


def test_domains_do_not_import_the_http_layer_of_the_app() -> None:
    """The web pages and the app factory sit at the top: no domain reaches up to them."""
    graph = package_graph()
    top = {"__main__", "app", "web", "cli", "demo", "demo_day", "demo_live"}
    reaching_up = {
        package: sorted(graph[package] & top)
        for package in graph
        if package not in top and graph[package] & top
    }
    assert reaching_up == {}


def test_benchmarks_share_helpers_with_the_tests_through_testkit_not_the_tests() -> None:
    """`bench/` and `testkit/` never import `tests` (a benchmark must run without pytest's
    conftest, and a test's helpers may change with its tests)."""
    root = PACKAGE.parents[1]
    reaching = sorted(
        f"{path.relative_to(root)}: {node.module}"
        for folder in ("bench", "testkit")
        for path in (root / folder).glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tests"
    )
    assert reaching == []


def test_domain_logic_raises_domain_errors_and_leaves_problem_json_to_the_http_layer() -> None:
    """A `service.py` or a protocol decoder never imports `api.problems`: it raises a
    `LastmileError`, which the HTTP layer turns into problem+json."""
    reaching = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name == "service.py" or "protocols" in path.parts
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module == "lastmile.api.problems"
    )
    assert reaching == []

"""The layers, checked on the import graph of `app/` and `search/` (read with `ast`, nothing is
imported): plumbing at the bottom, domains meeting through events, routes on services.

docs/architecture.md draws the layers these rules keep.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Not domains: plumbing, the rule every reader uses, the web layer, the wiring at the top.
NOT_DOMAINS = frozenset({"core", "visibility", "web", "demo"})
# A writer may look words up in a vocabulary below it that also reacts to its events: posts
# resolve `#names` through the topics service (as they resolve `$accounts` and `@people`),
# and the topics' counters react to post events from `app.topics.handlers`.
VOCABULARIES = frozenset({("posts", "topics")})


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    found = {}
    for package in ("app", "search"):
        for path in (ROOT / package).rglob("*.py"):
            found[_module_name(path)] = path
    return found


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The project modules an import statement loads (`from app.posts import service` loads
    `app.posts.service`; a relative import is resolved against `module`)."""
    known = modules()
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] in {"app", "search"}]
    base = node.module or ""
    if node.level:
        package = module.split(".")
        if not modules()[module].name == "__init__.py":
            package = package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, *([base] if base else [])])
    if base.split(".")[0] not in {"app", "search"}:
        return []
    targets = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        targets.append(submodule if submodule in known else base)
    return targets


@cache
def graph() -> dict[str, frozenset[str]]:
    """Module -> the project modules it imports (anywhere in the file, deferred ones too)."""
    edges: dict[str, frozenset[str]] = {}
    for module, path in modules().items():
        tree = ast.parse(path.read_text(), filename=str(path))
        imported: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                imported.update(_imported(module, node))
        imported.discard(module)
        edges[module] = frozenset(imported)
    return edges


def _external(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def package_of(module: str) -> str | None:
    """The `app` package a module belongs to (`app.posts.service` -> "posts")."""
    parts = module.split(".")
    return parts[1] if parts[0] == "app" and len(parts) > 2 else None


def domain_of(module: str) -> str | None:
    package = package_of(module)
    return package if package is not None and package not in NOT_DOMAINS else None


def violations(rule: str) -> list[str]:
    return sorted(_RULES[rule]())


def _core_imports_no_domain() -> list[str]:
    allowed = ("app.core", "app.config")
    return [
        f"{module} imports {target}"
        for module, targets in graph().items()
        if module.startswith("app.core")
        for target in targets
        if target.startswith("app") and not target.startswith(allowed)
    ]


def _search_imports_no_app() -> list[str]:
    return [
        f"{module} imports {target}"
        for module, targets in graph().items()
        if module.split(".")[0] == "search"
        for target in targets
        if target.split(".")[0] == "app"
    ]


def _visibility_reads_models_only() -> list[str]:
    """The rule sits above the models and below every service."""
    return [
        f"{module} imports {target}"
        for module, targets in graph().items()
        if package_of(module) == "visibility"
        for target in targets
        if domain_of(target) and not target.endswith(".models")
    ]


def _models_import_only_plumbing() -> list[str]:
    return [
        f"{module} imports {target}"
        for module, targets in graph().items()
        if module.endswith(".models") and domain_of(module)
        for target in targets
        if not target.startswith("app.core")
    ]


def _routes_and_pages_call_services() -> list[str]:
    return [
        f"{module} imports {target}"
        for module, targets in graph().items()
        if module.endswith((".routes", ".pages")) or package_of(module) == "web"
        for target in targets
        if target.endswith(".repository")
    ]


def _services_know_no_http() -> list[str]:
    return [
        f"{module} imports {name}"
        for module, path in modules().items()
        if module.endswith((".service", ".repository", ".handlers", ".events", ".read"))
        for name in _external(path) & {"fastapi", "starlette"}
    ]


def _domains_react_through_events() -> list[str]:
    """A domain's handlers are subscribed by `app.handlers` and called by no one else: a
    writer tells its reactors through an event, never by importing them."""
    return [
        f"{module} imports {target}"
        for module, targets in graph().items()
        if module != "app.handlers"
        for target in targets
        if target.endswith(".handlers") and target != "app.handlers"
    ]


def _writers_do_not_import_reactors() -> list[str]:
    """When R's handlers react to X's events, no module of X imports anything of R."""
    graph_ = graph()
    reactors: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph_.items():
        if module.endswith(".handlers") and (reactor := package_of(module)):
            for target in targets:
                if target.endswith(".events") and (writer := package_of(target)):
                    if writer != reactor:
                        reactors[writer].add(reactor)
    return [
        f"{module} imports {target} (which reacts to {writer}'s events)"
        for module, targets in graph_.items()
        if (writer := package_of(module)) in reactors and not module.endswith((".routes", ".pages"))
        for target in targets
        if (reactor := package_of(target)) in reactors[writer]
        and not ((writer, reactor) in VOCABULARIES and target.endswith((".service", ".models")))
    ]


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _no_service_cycles_between_domains() -> list[str]:
    """Domain A -> domain B when a module of A below the HTTP layer imports B's service; no
    cycle allowed. (Routes and pages sit above every service: the account page shows the
    account's feed while the feed's route looks the account up.)"""
    edges: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph().items():
        if module.endswith((".routes", ".pages")):
            continue
        source = domain_of(module)
        for target in targets:
            other = domain_of(target)
            if source and other and other != source and target.endswith(".service"):
                edges[source].add(other)
    return [" -> ".join(cycle) for cycle in _cycles(edges)]


def _no_module_cycles() -> list[str]:
    edges = {module: set(targets) for module, targets in graph().items()}
    return [" <-> ".join(cycle) for cycle in _cycles(edges)]


_RULES = {
    "core imports no domain": _core_imports_no_domain,
    "search imports no app": _search_imports_no_app,
    "visibility reads models only": _visibility_reads_models_only,
    "models import only plumbing": _models_import_only_plumbing,
    "routes and pages call services": _routes_and_pages_call_services,
    "services know no HTTP": _services_know_no_http,
    "domains react through events": _domains_react_through_events,
    "writers do not import reactors": _writers_do_not_import_reactors,
    "no service cycles between domains": _no_service_cycles_between_domains,
    "no module cycles": _no_module_cycles,
}


@pytest.mark.parametrize("rule", list(_RULES))
def test_the_layers_hold(rule: str) -> None:
    assert violations(rule) == []


def test_the_graph_sees_the_imports_it_checks() -> None:
    """The checks above are only as good as the graph: it must see real edges."""
    edges = graph()
    assert "app.posts.service" in edges["app.posts.routes"]
    assert "app.core.db" in edges["app.posts.models"]
    assert "app.feeds.handlers" in edges["app.handlers"]
    assert {"app", "search"} >= {m.split(".")[0] for m in edges}


def test_a_violation_would_be_found(tmp_path: Path) -> None:
    """The cycle finder finds a planted cycle, and a planted core -> domain import is seen."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    planted = ast.parse("from app.posts import service\nfrom app.core import db\n")
    targets = [t for node in planted.body for t in _imported("app.core.fake", node)]  # type: ignore[arg-type]
    assert targets == ["app.posts.service", "app.core.db"]


def _documented_events() -> dict[str, list[str]]:
    """The event table of docs/architecture.md: event -> the domains handling it, in order."""
    table: dict[str, list[str]] = {}
    for line in (ROOT / "docs" / "architecture.md").read_text().splitlines():
        match = re.match(r"\| `(\w+)` \| [^|]+ \| ([^|]+) \|$", line)
        if match:
            handled = re.sub(r"\([^)]*\)", "", match.group(2))
            table[match.group(1)] = [part.strip() for part in handled.split(",")]
    return table


def test_the_event_table_matches_the_handlers() -> None:
    import importlib

    from app.core.events import DomainEvent, handlers_of
    from app.handlers import install

    install()
    subscribed: dict[str, list[str]] = {}
    for module in sorted(m for m in modules() if m.endswith(".events") and m.startswith("app.")):
        for value in vars(importlib.import_module(module)).values():
            if (
                isinstance(value, type)
                and issubclass(value, DomainEvent)
                and value is not DomainEvent
                and value.__module__ == module
            ):
                domains = [h.__module__.split(".")[1] for h in handlers_of(value)]
                subscribed[value.__name__] = [d.replace("search_index", "search") for d in domains]
    assert _documented_events() == subscribed

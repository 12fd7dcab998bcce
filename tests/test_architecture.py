"""The import direction of rem_agent/ and no import loops, read from the source with `ast`.

Nothing here imports the package: each module is parsed, and its imports of `rem_agent.*` are
sorted by where they run. Top-level imports (module body, class bodies, `try`, any `if` but
`if TYPE_CHECKING:`) run at import time, so they are the ones the layers and the cycle rule
bind. Imports under `if TYPE_CHECKING:` never run; imports inside functions run late, on call.
"""

from __future__ import annotations

import ast
import functools
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

PACKAGE = "rem_agent"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE

# Module → layer, low to high. A key ending in ".*" is a package: the package itself and every
# module under it. Other keys name one module. Every module must match exactly one key.
LAYERS: dict[str, int] = {
    # 0 foundations: errors, packaged data, request text, the one LRU; the root package
    # (its import of the agent is lazy, inside __getattr__)
    PACKAGE: 0,
    f"{PACKAGE}.errors": 0,
    f"{PACKAGE}.resources": 0,
    f"{PACKAGE}.text": 0,
    f"{PACKAGE}.lru": 0,
    f"{PACKAGE}.interval": 0,
    f"{PACKAGE}.worker": 0,
    # 1 the language and the dates (neither imports the other: see the test below)
    f"{PACKAGE}.rem.*": 1,
    f"{PACKAGE}.dates.*": 1,
    f"{PACKAGE}.quantities": 1,
    # 2 the screen, the model files and the engines that run them
    f"{PACKAGE}.translate.screen": 2,
    f"{PACKAGE}.models.*": 2,
    f"{PACKAGE}.engines.*": 2,
    # 3 the request: prepared text and dates, its decode spec, its prompt, what is read off
    # its answer; affinity's evidence. The two packages' __init__ import nothing.
    f"{PACKAGE}.translate": 3,
    f"{PACKAGE}.translate.request": 3,
    f"{PACKAGE}.translate.spec": 3,
    f"{PACKAGE}.translate.prompts": 3,
    f"{PACKAGE}.translate.review": 3,
    f"{PACKAGE}.translate.confidence": 3,
    f"{PACKAGE}.affinity": 3,
    f"{PACKAGE}.affinity.evidence": 3,
    # 4 one translation (its result and the pipeline that makes it) and affinity scoring
    f"{PACKAGE}.translate.translation": 4,
    f"{PACKAGE}.translate.pipeline": 4,
    f"{PACKAGE}.affinity.judge": 4,
    # 5 the agent: settings, load, the cache, the public API
    f"{PACKAGE}.agent": 5,
    # 6 faces and tools: nothing below imports them
    f"{PACKAGE}.evaluation.*": 6,
    f"{PACKAGE}.train.*": 6,
    f"{PACKAGE}.server.*": 6,
    f"{PACKAGE}.clients.*": 6,
    f"{PACKAGE}.repl.*": 6,
    f"{PACKAGE}.cli.*": 6,
    f"{PACKAGE}.__main__": 6,
}

# Packages only the faces and tools may import, at any depth (function-level imports too).
FACES = ("cli", "repl", "server", "clients", "train", "evaluation")
# What the engines may not import, at any depth: they run a decode, they know no REM or request.
ENGINES_MAY_NOT_IMPORT = ("rem", "dates", "translate", "agent")

Kind = Literal["top", "type_checking", "function"]


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (a package means its __init__)
    line: int
    kind: Kind

    def where(self) -> str:
        return f"{module_path(self.source)}:{self.line}"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_path(name: str, root: Path = ROOT) -> str:
    base = root.parent / Path(*name.split("."))
    path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
    return str(path.relative_to(root.parent))


def discover(root: Path = ROOT) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _import_nodes(
    body: Iterable[ast.stmt], kind: Kind
) -> Iterator[tuple[ast.Import | ast.ImportFrom, Kind]]:
    """Each import statement and where it runs; `kind` is the context of `body`."""
    for node in body:
        yield from _walk(node, kind)


def _walk(node: ast.AST, kind: Kind) -> Iterator[tuple[ast.Import | ast.ImportFrom, Kind]]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node, kind
        return
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        kind = "function"
    elif isinstance(node, ast.If) and _is_type_checking(node.test) and kind == "top":
        yield from _import_nodes(node.body, "type_checking")
        yield from _import_nodes(node.orelse, kind)
        return
    for child in ast.iter_child_nodes(node):
        yield from _walk(child, kind)


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module `import name` loads: itself, or the longest package prefix that exists."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(source: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: list[Import] = []
    for node, kind in _import_nodes(tree.body, "top"):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:  # relative: from the importing module's package
                package = source if is_package else source.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            # `from pkg import name` loads pkg.name when that is a module, else pkg itself.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        for target in targets:
            if target != PACKAGE and not target.startswith(PACKAGE + "."):
                continue
            resolved = _resolve(target, modules)
            imp = Import(source, resolved, node.lineno, kind) if resolved else None
            if imp is not None and resolved != source and imp not in found:
                found.append(imp)
    return found


def all_imports(root: Path = ROOT) -> list[Import]:
    modules = discover(root)
    return [imp for name, path in modules.items() for imp in imports_of(name, path, modules)]


def _matches(module: str, key: str) -> bool:
    if key.endswith(".*"):
        package = key.removesuffix(".*")
        return module == package or module.startswith(package + ".")
    return module == key


def layer_of(module: str) -> int:
    matches = [layer for key, layer in LAYERS.items() if _matches(module, key)]
    assert len(matches) == 1, f"{module} matches {len(matches)} entries of LAYERS, not one"
    return matches[0]


def in_package(module: str, *names: str) -> bool:
    """Whether `module` is rem_agent.<name> or under it, for one of `names`."""
    return any(module == f"{PACKAGE}.{n}" or module.startswith(f"{PACKAGE}.{n}.") for n in names)


def graph(imports: Iterable[Import]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for imp in imports:
        edges.setdefault(imp.source, set()).add(imp.target)
        edges.setdefault(imp.target, set())
    return edges


def components(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module: each holds a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def connect(v: str) -> None:  # Tarjan; the graph is small, so recursion is fine
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component: set[str] = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def cycle_in(component: frozenset[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest path from the component's first module back to itself, inside it."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    for v in queue:
        for w in sorted(edges[v] & component):
            if w == start:
                return [*paths[v], start]
            if w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    raise AssertionError(f"no cycle in {sorted(component)}")  # cannot happen for an SCC


def describe(component: frozenset[str], imports: list[Import]) -> str:
    """The component's modules and one cycle through them, each step with its file and line."""
    edges = graph(imports)
    cycle = cycle_in(component, edges)
    lines: dict[tuple[str, str], list[str]] = {}
    note = {"top": "", "function": ", inside a function", "type_checking": ", TYPE_CHECKING"}
    for i in imports:
        lines.setdefault((i.source, i.target), []).append(i.where() + note[i.kind])
    steps = [f"{a} → {b} ({', '.join(lines[a, b])})" for a, b in itertools.pairwise(cycle)]
    return f"import cycle among {sorted(component)}: " + " ; ".join(steps)


def layer_violations(imports: Iterable[Import]) -> list[str]:
    return [
        f"{i.source} imports {i.target} ({i.where()}): "
        f"layer {layer_of(i.source)} may not import layer {layer_of(i.target)}"
        for i in imports
        if layer_of(i.target) > layer_of(i.source)
    ]


def _listed(imports: Iterable[Import]) -> list[str]:
    return [f"{i.source} imports {i.target} ({i.where()}, {i.kind})" for i in imports]


def rem_dates_violations(imports: Iterable[Import]) -> list[str]:
    return _listed(
        i
        for i in imports
        if (in_package(i.source, "rem") and in_package(i.target, "dates"))
        or (in_package(i.source, "dates") and in_package(i.target, "rem"))
    )


def engine_violations(imports: Iterable[Import]) -> list[str]:
    return _listed(
        i
        for i in imports
        if in_package(i.source, "engines") and in_package(i.target, *ENGINES_MAY_NOT_IMPORT)
    )


def face_violations(imports: Iterable[Import]) -> list[str]:
    return _listed(i for i in imports if layer_of(i.source) < 6 and in_package(i.target, *FACES))


def affinity_violations(imports: Iterable[Import]) -> list[str]:
    """Each way in to rem/ or dates/ from a module of affinity/ (not every module loaded
    once inside)."""
    found: list[str] = []
    for start in (m for m in discover() if in_package(m, "affinity")):
        found += [
            " → ".join(chain)
            for chain in closure(start, imports).values()
            if in_package(chain[-1], "rem", "dates") and not in_package(chain[-2], "rem", "dates")
        ]
    return sorted(set(found))


def closure(start: str, imports: Iterable[Import]) -> dict[str, list[str]]:
    """Every module importing `start` loads at import time, each with the chain that loads it.

    Loading a.b.c runs a/__init__.py and a/b/__init__.py first, so packages count too.
    """
    edges: dict[str, set[str]] = {}
    for imp in imports:
        if imp.kind == "top":
            edges.setdefault(imp.source, set()).add(imp.target)
    chains = {start: [start]}
    queue = [start]
    for v in queue:
        parents = {v.rsplit(".", n)[0] for n in range(1, v.count(".") + 1)}
        for w in sorted(edges.get(v, set()) | parents):
            if w not in chains:
                chains[w] = [*chains[v], w]
                queue.append(w)
    return chains


@functools.cache
def _real_imports() -> tuple[Import, ...]:
    return tuple(all_imports())


@pytest.fixture
def imports() -> list[Import]:
    return list(_real_imports())


def test_every_module_has_one_layer() -> None:
    for module in discover():
        layer_of(module)


def test_every_layer_key_names_something() -> None:
    modules = discover()
    unused = [key for key in LAYERS if not any(_matches(m, key) for m in modules)]
    assert not unused, f"LAYERS entries that match no module: {unused}"


def test_no_import_cycles_at_import_time(imports: list[Import]) -> None:
    top = [i for i in imports if i.kind == "top"]
    found = [describe(c, top) for c in components(graph(top))]
    assert not found, "\n".join(found)


# Cycles closed only by an import inside a function: they cannot fail at import time, but each
# is a dependency both ways. Listed (by their modules) so that a new one is a decision.
KNOWN_FUNCTION_LEVEL_CYCLES: set[frozenset[str]] = set()


def test_cycles_through_function_level_imports_are_known(imports: list[Import]) -> None:
    running = [i for i in imports if i.kind != "type_checking"]
    found = components(graph(running))
    new = [describe(c, running) for c in found if c not in KNOWN_FUNCTION_LEVEL_CYCLES]
    assert not new, "cycles through function-level imports:\n" + "\n".join(new)
    gone = KNOWN_FUNCTION_LEVEL_CYCLES - set(found)
    assert not gone, f"no longer cycles, drop them from the list: {[sorted(c) for c in gone]}"


def test_top_level_imports_go_down_the_layers(imports: list[Import]) -> None:
    bad = layer_violations(i for i in imports if i.kind == "top")
    assert not bad, "\n".join(bad)


# Function-level imports that go up a layer: late on purpose, never at import time. Each is
# (importer, imported); a new one fails until it is listed here.
KNOWN_UPWARD_FUNCTION_IMPORTS: set[tuple[str, str]] = {
    # `from rem_agent import RemAgent`, resolved lazily in the root package's __getattr__
    (PACKAGE, f"{PACKAGE}.agent"),
}


def test_upward_function_level_imports_are_known(imports: list[Import]) -> None:
    upward = [
        i for i in imports if i.kind == "function" and layer_of(i.target) > layer_of(i.source)
    ]
    new = layer_violations(
        i for i in upward if (i.source, i.target) not in KNOWN_UPWARD_FUNCTION_IMPORTS
    )
    assert not new, "upward imports inside functions:\n" + "\n".join(new)
    gone = KNOWN_UPWARD_FUNCTION_IMPORTS - {(i.source, i.target) for i in upward}
    assert not gone, f"no longer imported, drop them from the list: {sorted(gone)}"


def test_rem_and_dates_do_not_import_each_other(imports: list[Import]) -> None:
    bad = rem_dates_violations(imports)
    assert not bad, "rem/ and dates/ must stay apart:\n" + "\n".join(bad)


def test_engines_know_no_rem_nor_request(imports: list[Import]) -> None:
    bad = engine_violations(imports)
    assert not bad, f"engines/ may not import {ENGINES_MAY_NOT_IMPORT}:\n" + "\n".join(bad)


def test_faces_and_tools_are_imported_only_by_faces_and_tools(imports: list[Import]) -> None:
    bad = face_violations(imports)
    assert not bad, f"below layer 6, nothing may import {FACES}:\n" + "\n".join(bad)


def test_affinity_does_not_load_rem_or_dates(imports: list[Import]) -> None:
    bad = affinity_violations(imports)
    assert not bad, "importing rem_agent.affinity loads:\n" + "\n".join(bad)


# The checks themselves: with one bad import added to a scratch copy of a module, they fail.


def _scratch(tmp_path: Path, module: str, line: str) -> list[Import]:
    """The package's imports as they would be with `line` appended to a copy of `module`."""
    modules = discover()
    copy = tmp_path / modules[module].name
    copy.write_text(modules[module].read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    kept = [i for i in _real_imports() if i.source != module]
    return kept + imports_of(module, copy, modules)


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    imports = _scratch(
        tmp_path, f"{PACKAGE}.translate.spec", "from rem_agent.agent import RemAgent"
    )
    before = layer_violations(i for i in _real_imports() if i.kind == "top")
    bad = [v for v in layer_violations(i for i in imports if i.kind == "top") if v not in before]
    assert len(bad) == 1, bad
    assert bad[0].startswith(
        "rem_agent.translate.spec imports rem_agent.agent (rem_agent/translate/spec.py:"
    )
    assert bad[0].endswith("): layer 3 may not import layer 5"), bad


def test_a_cycle_is_caught(tmp_path: Path) -> None:
    top = [
        i
        for i in _scratch(tmp_path, f"{PACKAGE}.errors", "import rem_agent.text")
        if i.kind == "top"
    ]
    pair = frozenset({f"{PACKAGE}.errors", f"{PACKAGE}.text"})
    assert pair in components(graph(top))
    message = describe(pair, top)
    assert "rem_agent.errors → rem_agent.text (rem_agent/errors.py:" in message, message


@pytest.mark.parametrize(
    ("module", "line", "rule"),
    [
        (
            "rem_agent.rem.ast",
            "def f() -> None:\n    from rem_agent.dates import recognise",
            rem_dates_violations,
        ),
        ("rem_agent.dates.tokens", "import rem_agent.rem.catalog", rem_dates_violations),
        (
            "rem_agent.engines.closing",
            "from rem_agent.rem.grammar import DecodeSpec",
            engine_violations,
        ),
        (
            "rem_agent.engines.select",
            "def f() -> None:\n    import rem_agent.translate.prompts",
            engine_violations,
        ),
        (
            "rem_agent.agent",
            "def f() -> None:\n    from rem_agent.evaluation import run_eval",
            face_violations,
        ),
        (
            "rem_agent.models.tiny",
            "from rem_agent.dates import format_literal",
            affinity_violations,
        ),
    ],
)
def test_each_rule_catches_its_import(
    tmp_path: Path, module: str, line: str, rule: Callable[[list[Import]], list[str]]
) -> None:
    before = rule(list(_real_imports()))
    bad = [v for v in rule(_scratch(tmp_path, module, line)) if v not in before]
    assert bad, f"{rule.__name__} missed {line!r} in {module}"


def test_only_top_level_imports_bind_at_import_time(tmp_path: Path) -> None:
    lines = "\n".join(
        [
            "from typing import TYPE_CHECKING",
            "if TYPE_CHECKING:",
            "    from rem_agent.agent import RemAgent",
            "def late() -> None:",
            "    from rem_agent.cli import main",
        ]
    )
    imports = _scratch(tmp_path, f"{PACKAGE}.lru", lines)
    kinds = {(i.target, i.kind) for i in imports if i.source == f"{PACKAGE}.lru"}
    assert kinds == {(f"{PACKAGE}.agent", "type_checking"), (f"{PACKAGE}.cli", "function")}


# The engine contract: every engine and double is an `Engine`, whole, and no one sets an
# engine's attributes from outside (settings go in at construction or per call).

REPO = ROOT.parent
ENGINE_DOUBLES = ("tests/fakes.py", "tests/server_fakes.py")


def engine_attributes() -> set[str]:
    """What the `Engine` protocol declares (read from engines/base.py), and what local
    engines hold besides."""
    tree = ast.parse((ROOT / "engines" / "base.py").read_text(encoding="utf-8"))
    [protocol] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Engine"]
    declared = {
        n.target.id
        for n in protocol.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    }
    return declared | {"load_seconds", "jump_forward", "no_repeat"}


def attributes_set_from_outside(path: Path, names: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and target.attr in names
                and not (isinstance(target.value, ast.Name) and target.value.id in ("self", "cls"))
            ):
                shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path.name
                found.append(f"{shown}:{node.lineno}: .{target.attr} = ...")
    return found


def _python_files() -> list[Path]:
    return [p for d in ("rem_agent", "tests", "bench", "eval") for p in (REPO / d).rglob("*.py")]


def test_no_engine_attribute_is_set_from_outside() -> None:
    names = engine_attributes()
    assert {"name", "model_name", "adapter", "choice"} <= names
    bad = [v for p in _python_files() for v in attributes_set_from_outside(p, names)]
    assert not bad, "set the engine's settings at construction or per call:\n" + "\n".join(bad)


def test_setting_an_engine_attribute_from_outside_is_caught(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch.py"
    scratch.write_text("engine.choice = None\nself.choice = None\n", encoding="utf-8")
    found = attributes_set_from_outside(scratch, engine_attributes())
    assert [f.rsplit(": ", 1)[1] for f in found] == [".choice = ..."] and ":1:" in found[0]


def _classes(path: Path) -> dict[str, ast.ClassDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name: n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}


def test_every_engine_double_derives_from_the_one_fake_engine() -> None:
    """A test class that answers `generate` is a `FakeEngine` (tests/fakes.py), which mypy
    proves satisfies the protocol: the doubles' modules are in mypy's files."""
    classes = {n: c for p in (REPO / "tests").glob("*.py") for n, c in _classes(p).items()}

    def derives(name: str) -> bool:
        if name == "FakeEngine":
            return True
        node = classes.get(name)
        bases = [b.id for b in node.bases if isinstance(b, ast.Name)] if node else []
        return any(derives(b) for b in bases)

    doubles = [
        name
        for name, node in classes.items()
        if any(isinstance(f, ast.FunctionDef) and f.name == "generate" for f in node.body)
    ]
    assert doubles == ["FakeEngine"], f"engine doubles of their own: {doubles}"
    answering = [
        name
        for name, node in classes.items()
        if any(isinstance(f, ast.FunctionDef) and f.name == "answer_for" for f in node.body)
    ]
    assert len(answering) >= 3 and all(derives(n) for n in answering), answering
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert all(f'"{module}"' in pyproject for module in ENGINE_DOUBLES)

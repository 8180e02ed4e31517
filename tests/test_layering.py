"""The layering of ARCHITECTURE.md, enforced: no app imports one above it, neither by `import`
(type-only imports under `if TYPE_CHECKING:` included) nor by `apps.get_model`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "duban"

# Lowest first. Apps on one line share a level (neither may import the other's upper parts).
ORDER: list[set[str]] = [
    {"core"},
    {"sheets", "documents"},
    {"org"},
    {"ledger"},
    {"reporting"},
    {"problems"},
    {"liaison"},
    {"transfer"},
    {"supervision"},
    {"assessment"},
    {"bulletins"},
    {"notify"},
    {"web", "api", "demo", "config"},
]
LEVEL = {app: n for n, apps in enumerate(ORDER) for app in apps}
# Wiring that may see everything: the settings' URLconf, the CLI wrapper, the locale files.
TOP_ONLY = {"config", "cli.py", "__init__.py", "locale"}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("duban."):
            found.append((node.lineno, node.module.split(".")[1]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("duban."):
                    found.append((node.lineno, alias.name.split(".")[1]))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get_model"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and "migrations" not in path.parts
        ):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def _violations() -> list[str]:
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        app = rel.parts[0]
        if app in TOP_ONLY or app not in LEVEL or "migrations" in rel.parts:
            continue
        for line, target in _imports(path):
            if target in LEVEL and LEVEL[target] > LEVEL[app]:
                out.append(f"{rel}:{line} {app} imports {target} (above it)")
    return out


def test_no_app_imports_one_above_it():
    assert _violations() == []


def test_the_check_finds_an_upward_import(tmp_path):
    # given: a ledger module that imports reporting
    fake = tmp_path / "duban"
    (fake / "ledger").mkdir(parents=True)
    (fake / "ledger" / "bad.py").write_text(
        "from duban.reporting.progress import Light\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from duban.problems.models import Problem\n"
    )
    globals()["ROOT"] = fake
    try:
        # then: the real import is found, and so is the type-only one
        assert _violations() == [
            "ledger/bad.py:1 ledger imports reporting (above it)",
            "ledger/bad.py:4 ledger imports problems (above it)",
        ]
    finally:
        globals()["ROOT"] = Path(__file__).resolve().parent.parent / "duban"


@pytest.mark.parametrize("app", sorted(p.name for p in ROOT.iterdir() if p.is_dir()))
def test_every_app_has_a_place_in_the_order(app):
    if app.startswith("__") or app in TOP_ONLY:
        return
    assert app in LEVEL, f"{app} is not in ARCHITECTURE.md's order: add it to ORDER"

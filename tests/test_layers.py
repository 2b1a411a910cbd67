"""The direction of imports DESIGN.md draws: config/ is the ground floor and imports no app."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = {"accounts", "licensing", "sales", "onboarding"}


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("path", sorted((ROOT / "config").glob("*.py")), ids=lambda p: p.name)
def test_config_imports_no_app(path):
    leaks = {module for module in imported_modules(path) if module.split(".")[0] in APPS}
    assert not leaks, f"config/{path.name} imports {sorted(leaks)}"

"""Imports run downward: a module never imports one of a higher layer (see the README)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "fieldapp"
# The bottom: plain helpers that know nothing of the app's data or requests.
BASE = {
    "clock",
    "geo",
    "text",
    "places",
    "spreadsheets",
    "uploads",
    "storage",
    "config",
    "extensions",
    "fragments",
    "assets",
}
# Where function-local imports may stay: app creation imports the areas after the package
# exists, and nowhere else.
LOCAL_IMPORTS_ALLOWED = {"__init__"}


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).with_suffix("")
        if relative.parts[0] == "migrations":
            continue
        name = ".".join(relative.parts)
        found[name.removesuffix(".__init__") if name != "__init__" else name] = ast.parse(
            path.read_text(encoding="utf-8")
        )
    return found


MODULES = _modules()


def _imports(tree: ast.Module) -> set[str]:
    """The fieldapp modules a module imports, anywhere in it, without the "fieldapp." prefix."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fieldapp"):
            if node.module == "fieldapp":
                names.update(alias.name for alias in node.names)
            else:
                names.add(node.module.removeprefix("fieldapp."))
        elif isinstance(node, ast.Import):
            names.update(
                a.name.removeprefix("fieldapp.")
                for a in node.names
                if a.name.startswith("fieldapp.")
            )
    return names


def _layer(module: str) -> int:
    """0 base, 1 models, 2 access, 3 the checklist, services, forms and the audit, 4 routes,
    5 app creation."""
    if module in BASE:
        return 0
    if module == "models" or module.startswith("models."):
        return 1
    if module == "access":
        return 2
    if "routes" in module.split(".") or module in ("cli", "demo"):
        return 4
    if module == "__init__":
        return 5
    return 3


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_nothing_above_its_layer(module):
    layer = _layer(module)
    above = sorted(name for name in _imports(MODULES[module]) if _layer(name) > layer)
    assert above == [], f"{module} (layer {layer}) imports {above}"


def test_the_layers_are_as_the_readme_says():
    assert _layer("clock") == _layer("geo") == _layer("text") == 0
    assert _layer("models.venue") == 1 and _layer("access") == 2
    assert _layer("inspections.service") == _layer("venues.duplicates") == 3
    assert _layer("posters.routes") == _layer("posters.routes.batches") == _layer("cli") == 4


@pytest.mark.parametrize("module", sorted(set(MODULES) - LOCAL_IMPORTS_ALLOWED))
def test_no_function_imports_a_module(module):
    local = [
        node.lineno
        for function in ast.walk(MODULES[module])
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        for node in ast.walk(function)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    ]
    assert local == [], (
        f"fieldapp/{module.replace('.', '/')}.py imports inside a function at lines {local}"
    )

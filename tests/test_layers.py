"""The layering of docs/ARCHITECTURE.md, checked on every import (module level and in functions).

The core (``symrnn/core``) imports nothing from the uses built on it, and printing imports no
use either; a use may import the core and printing. No module reaches into another module's
``_private`` names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "symrnn"
USES = ("symrnn.report", "symrnn.check", "symrnn.exam", "symrnn.codegen", "symrnn.commands", "symrnn.oracles",
        "symrnn.cli")
FORBIDDEN = {
    "symrnn.core": ("symrnn.printing", *USES),
    "symrnn.printing": USES,
}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """``(line, imported module, names)`` of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module(path) if path.name == "__init__.py" else _module(path).rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            names = tuple(a.name for a in node.names)
            yield node.lineno, base, names
            for name in names:  # "from symrnn import report" imports the package symrnn.report
                yield node.lineno, f"{base}.{name}", ()


def _files():
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_built_on_it(layer):
    bad = []
    for path in _files():
        if not _module(path).startswith(layer):
            continue
        for line, module, _ in _imports(path):
            if any(module == use or module.startswith(use + ".") for use in FORBIDDEN[layer]):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    assert not bad, "\n".join(bad)


def test_no_module_imports_another_modules_private_names():
    bad = []
    for path in _files():
        for line, module, names in _imports(path):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and module.startswith("symrnn"):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {private} from {module}")
    assert not bad, "\n".join(bad)

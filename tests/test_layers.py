"""The layering of docs/ARCHITECTURE.md, checked on every import (module level and in functions).

The core (``symrnn/core``) imports nothing from the uses built on it, and printing imports no
use either; a use may import the core and printing. No module reaches into another module's
``_private`` names.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "symrnn"
USES = ("symrnn.report", "symrnn.check", "symrnn.exam", "symrnn.codegen", "symrnn.commands", "symrnn.oracles", "symrnn.serve",
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
            private = [n for n in names if n.startswith("_") and not n.startswith("__") and n != "_"]  # _: gettext
            if private and module.startswith("symrnn"):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {private} from {module}")
    assert not bad, "\n".join(bad)


_LABEL_TEXT = re.compile(r"""["'](fwd|adj|grad|closed):""")


def test_no_module_but_labels_builds_or_parses_a_label_text():
    """Equation labels are typed values (``core/labels.Label``): code asks their fields and builds them
    with the constructors; the citation text (``adj:h:t``) is made in ``labels.py`` alone."""
    bad = []
    for path in _files():
        if path.name == "labels.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                      and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                    and _LABEL_TEXT.search(repr(node.value)[0] + node.value)):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.value[:40]!r}")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("startswith", "endswith", "split", "partition")
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "label"):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} .label.{node.func.attr}(...)")
    assert not bad, "label text built or parsed outside core/labels.py:\n" + "\n".join(bad)


MAX_FILE_LINES, MAX_FUNCTION_LINES = 420, 70
"""Small modules with one job: about 400 lines a file and 60 a function, with a little slack."""


def test_modules_and_functions_stay_small():
    big = []
    for path in _files():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_FILE_LINES:
            big.append(f"{path.relative_to(PACKAGE.parent)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    big.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}() is {length} lines")
    assert not big, "split these by job:\n" + "\n".join(big)

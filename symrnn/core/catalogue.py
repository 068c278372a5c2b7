"""The catalogue of specs shipped with symrnn (the ``derivations/`` folder of the repository).

Installed as the package ``symrnn.derivations``, so names resolve after a plain ``pip install``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import SpecError, UnknownName
from .spec import Spec, load_spec_file, load_spec_text
from .values import check_example


def names() -> tuple[str, ...]:
    """Catalogue names, sorted."""
    root = resources.files("symrnn.derivations")
    return tuple(sorted(p.name[: -len(".toml")] for p in root.iterdir() if p.name.endswith(".toml")))


def load(name: str) -> Spec:
    """The catalogue spec called ``name``."""
    if name not in names():
        raise UnknownName(f"no catalogue network {name!r}; known: {', '.join(names())}")
    text = resources.files("symrnn.derivations").joinpath(f"{name}.toml").read_text(encoding="utf-8")
    spec = load_spec_text(text, f"catalogue:{name}")
    check_example(spec)
    return spec


def resolve(name_or_path: str) -> Spec:
    """A catalogue name, or the path of a TOML spec file, validated whole (its worked example too)."""
    if name_or_path in names():
        return load(name_or_path)
    if name_or_path.endswith(".toml") or Path(name_or_path).exists():
        spec = load_spec_file(name_or_path)
        try:
            check_example(spec)
        except SpecError as err:
            raise SpecError(err.field, err.problem, err.source or name_or_path) from None
        return spec
    raise UnknownName(f"{name_or_path!r} is neither a catalogue network ({', '.join(names())}) nor a .toml spec file")

"""The catalogue of specs shipped with symrnn (the ``derivations/`` folder of the repository).

Installed as the package ``symrnn.derivations``, so names resolve after a plain ``pip install``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..i18n import N_, _
from .errors import SpecError, UnknownName
from .spec import Spec, load_spec_file, load_spec_text
from .values import check_example

TITLES: tuple[str, ...] = (
    N_("Deep (stacked) tanh RNN, two layers"),
    N_("GRU, D2L variant (reset before the matmul)"),
    N_("GRU, PyTorch variant (reset after the matmul)"),
    N_("LSTM (D2L 10.1 notation)"),
    N_("The seed's 2-2-2 sigmoid network (worked example)"),
    N_("Linear RNN of Dive into Deep Learning 9.7"),
    N_("Scalar sigmoid RNN: powers of w with the derivative factor"),
    N_("Scalar RNN: the seed's powers of w"),
    N_("Vanilla tanh RNN"),
)
"""The catalogue specs' titles, for translation (a test checks every catalogue title is here)."""


def shown_title(spec: Spec) -> str:
    """The spec's title as a reader sees it: a catalogue title in the current language; a title
    a person wrote is theirs, shown as written."""
    return _(spec.title) if spec.title in TITLES else spec.title


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

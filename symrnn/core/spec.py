"""Network specs: frozen, validated values, loadable from TOML.

Two kinds of network exist:

* :class:`MLPSpec`, a fully connected network of any layer sizes. ``naming = "neuron"`` keeps
  the seed lecture's scalar names (``w1..w8``, ``b1``, ``in_h1``, ``out_o1``, ``E_o1``, ``L``);
  ``naming = "matrix"`` writes it with weight matrices ``W_1, W_2, ...``.
* :class:`RNNSpec`, a recurrent network: a vanilla RNN, LSTM or GRU cell (both GRU variants),
  possibly stacked, with an optional output layer, a loss, a reduction over time and a
  sequence shape.

Every field is checked when the spec is built; a bad value raises :class:`SpecError` naming it.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..i18n import _
from . import limits
from .activations import NAMES
from .errors import SpecError
from .losses import NAMES as LOSS_NAMES
from .losses import loss_kind

ACTIVATIONS = NAMES  # the registry of symrnn/core/activations.py
CELLS = ("rnn", "lstm", "gru-d2l", "gru-torch")
LOSSES = LOSS_NAMES  # the registry of symrnn/core/losses.py
REDUCTIONS = ("sum", "mean")
SHAPES = ("many-to-many", "many-to-one", "one-to-many", "encoder-decoder")
NOTATIONS = ("column", "row")
STYLES = ("vector", "scalar")
NAMINGS = ("neuron", "matrix")


def _shown_number(value: Any) -> str:
    """A number from a spec as the error shows it: a 5000-digit integer is not printed whole
    (Python refuses to turn an int of over 4300 digits into text)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value).bit_length() > 100:
        return _("a number of about {digits} digits").format(digits=int(abs(value).bit_length() * 0.30103) + 1)
    return repr(value)


def _check_int(value: Any, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(name, _("must be a whole number, got {value}").format(value=_shown_number(value)))
    if value < lo:
        raise SpecError(name, _("must be at least {lo}, got {value}").format(lo=lo, value=_shown_number(value)))
    if value > hi:
        raise SpecError(name, _("must be at most {hi}, got {value}").format(hi=hi, value=_shown_number(value)))
    return value


def _check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise SpecError(name, _("unknown value {value}; choose one of {choices}").format(value=repr(value), choices=", ".join(choices)))
    return value


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise SpecError(name, _("must be true or false, got {value}").format(value=repr(value)))
    return value


def _check_text(value: Any, name: str, max_len: int = 200) -> str:
    if not isinstance(value, str):
        raise SpecError(name, _("must be text, got {value}").format(value=repr(value)))
    if len(value) > max_len:
        raise SpecError(name, _("is longer than {n} characters").format(n=max_len))
    return value


def _check_name(value: Any) -> str:
    text = _check_text(value, "name", 64)
    if not text or not all(c.isalnum() or c in "-_" for c in text):
        raise SpecError("name", _("use letters, digits, '-' and '_' only, got {value}").format(value=repr(value)))
    return text


def _freeze_value(value: Any, name: str) -> Any:
    """Numbers and (nested) lists of numbers become floats and tuples."""
    if isinstance(value, bool):
        raise SpecError(name, _("must be a number or a list of numbers, got a boolean"))
    if isinstance(value, (int, float)):
        if isinstance(value, int) and abs(value).bit_length() > 1000:  # beyond float64 (~1.8e308)
            raise SpecError(name, _("is too large for a float64, got {value}").format(value=_shown_number(value)))
        if not math.isfinite(value):
            raise SpecError(name, _("must be finite, got {value}").format(value=repr(value)))
        return float(value)
    if isinstance(value, (list, tuple)):
        if len(value) > limits.MAX_SIZE:
            raise SpecError(name, _("list is too long"))
        return tuple(_freeze_value(v, name) for v in value)
    raise SpecError(name, _("must be a number or a list of numbers, got {value}").format(value=repr(value)))


@dataclass(frozen=True)
class WorkedExample:
    """Named numbers for a worked example (inputs, targets, initial weights), in spec names."""

    values: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> WorkedExample:
        if not isinstance(data, Mapping):
            raise SpecError("example", _("must be a table of name = number"))
        items = tuple(sorted((str(k), _freeze_value(v, f"example.{k}")) for k, v in data.items()))
        return cls(items)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.values)

    def __bool__(self) -> bool:
        return bool(self.values)


@dataclass(frozen=True)
class MLPSpec:
    """A fully connected network ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``."""

    name: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    title: str = ""
    loss: str = "half_sq"
    naming: str = "neuron"
    example: WorkedExample = field(default_factory=WorkedExample)
    network: str = field(default="mlp", init=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        _check_text(self.title, "title")
        if not isinstance(self.sizes, tuple) or len(self.sizes) < 2:
            raise SpecError("sizes", _("needs at least an input and an output size, e.g. [2, 2, 2]"))
        for i, size in enumerate(self.sizes):
            _check_int(size, f"sizes[{i}]", 1, limits.MAX_SIZE)
        if len(self.activations) != len(self.sizes) - 1:
            raise SpecError(
                "activations",
                _("needs one activation per layer after the input ({n}), got {got}").format(
                    n=len(self.sizes) - 1, got=len(self.activations)),
            )
        for i, act in enumerate(self.activations):
            _check_choice(act, f"activations[{i}]", ACTIVATIONS)
        _check_choice(self.loss, "loss", LOSSES)
        _check_choice(self.naming, "naming", NAMINGS)
        if self.naming == "neuron" and sum(self.sizes) > 64:
            raise SpecError("naming", _("neuron naming is for small networks (at most 64 neurons)"))

    @property
    def steps(self) -> int:
        """An MLP has no time axis; one step."""
        return 1

    @property
    def recurrent(self) -> bool:
        return False


@dataclass(frozen=True)
class RNNSpec:
    """A recurrent network unrolled over T steps.

    ``notation = "column"``: one example, column vectors, ``h_t = f(W_hx x_t + W_hh h_{t-1} + b_h)``
    (D2L 9.7). ``notation = "row"``: a batch of ``batch`` rows, ``H_t = f(X_t W_xh + H_{t-1} W_hh
    + b_h)`` (D2L 10.1 for LSTM and GRU).
    """

    name: str
    cell: str
    input_size: int
    hidden_size: int
    output_size: int
    title: str = ""
    activation: str = "tanh"
    bias: bool = True
    output_layer: bool = True
    notation: str = "column"
    style: str = "vector"
    batch: int = 2
    loss: str = "half_sq"
    reduction: str = "mean"
    shape: str = "many-to-many"
    layers: int = 1
    steps: int = 3
    example: WorkedExample = field(default_factory=WorkedExample)
    network: str = field(default="rnn", init=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        _check_text(self.title, "title")
        _check_choice(self.cell, "cell", CELLS)
        _check_int(self.input_size, "input_size", 1, limits.MAX_SIZE)
        _check_int(self.hidden_size, "hidden_size", 1, limits.MAX_SIZE)
        _check_int(self.output_size, "output_size", 1, limits.MAX_SIZE)
        _check_choice(self.activation, "activation", ACTIVATIONS)
        _check_bool(self.bias, "bias")
        _check_bool(self.output_layer, "output_layer")
        _check_choice(self.notation, "notation", NOTATIONS)
        _check_choice(self.style, "style", STYLES)
        _check_int(self.batch, "batch", 1, limits.MAX_BATCH)
        _check_choice(self.loss, "loss", LOSSES)
        _check_choice(self.reduction, "reduction", REDUCTIONS)
        _check_choice(self.shape, "shape", SHAPES)
        _check_int(self.layers, "layers", 1, limits.MAX_LAYERS)
        _check_int(self.steps, "steps", 1, limits.MAX_STEPS)
        if self.cell != "rnn" and self.activation != "tanh":
            raise SpecError("activation", _("the {cell} cell fixes its activations; leave it as tanh").format(cell=self.cell))
        if not self.output_layer and self.output_size != self.hidden_size:
            raise SpecError("output_size", _("without an output layer it must equal hidden_size"))
        if self.style == "scalar" and max(self.input_size, self.hidden_size, self.output_size) != 1:
            raise SpecError("style", _("scalar style needs input, hidden and output sizes of 1"))
        if self.style == "scalar" and self.notation != "column":
            raise SpecError("style", _("scalar style uses column notation"))
        least = loss_kind(self.loss).min_outputs
        if self.output_size < least:
            raise SpecError("loss", _("{loss} needs output_size >= {least}").format(loss=_(loss_kind(self.loss).words), least=least))

    @property
    def recurrent(self) -> bool:
        return True

    @property
    def rows(self) -> int:
        """Rows of every time-step quantity: the batch in row notation, 1 in column notation."""
        return self.batch if self.notation == "row" else 1


Spec = MLPSpec | RNNSpec

_KINDS: dict[str, type] = {"mlp": MLPSpec, "rnn": RNNSpec}


def spec_from_mapping(data: Mapping[str, Any], source: str | None = None) -> Spec:
    """Build a spec from a parsed TOML table, naming any unknown or bad field."""
    try:
        if not isinstance(data, Mapping):
            raise SpecError("(top)", _("a spec is a TOML table"))
        kind = data.get("network")
        if kind is None:
            raise SpecError("network", _("missing; choose one of {choices}").format(choices=", ".join(_KINDS)))
        cls = _KINDS.get(kind) if isinstance(kind, str) else None
        if cls is None:
            raise SpecError("network", _("unknown value {value}; choose one of {choices}").format(value=repr(kind), choices=", ".join(_KINDS)))
        allowed = {f.name for f in fields(cls) if f.init}
        unknown = sorted(set(data) - allowed - {"network"})
        if unknown:
            raise SpecError(unknown[0], _("unknown field for a {kind} spec; known fields: {fields}").format(kind=kind, fields=", ".join(sorted(allowed))))
        kwargs = {k: v for k, v in data.items() if k != "network"}
        for key in ("sizes", "activations"):
            if key in kwargs:
                if not isinstance(kwargs[key], list):
                    raise SpecError(key, _("must be a list"))
                kwargs[key] = tuple(kwargs[key])
        if "example" in kwargs:
            kwargs["example"] = WorkedExample.from_mapping(kwargs["example"])
        missing = [
            f.name
            for f in fields(cls)
            if f.init and f.default is MISSING and f.default_factory is MISSING and f.name not in kwargs
        ]
        if missing:
            raise SpecError(missing[0], _("missing"))
        return cls(**kwargs)
    except SpecError as err:
        if source and not err.source:
            raise SpecError(err.field, err.problem, source) from None
        raise


def load_spec_text(text: str, source: str = "<text>") -> Spec:
    """Parse TOML text into a spec."""
    if len(text) > 1_000_000:
        raise SpecError("(toml)", _("spec text is larger than 1 MB"), source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SpecError("(toml)", _("not valid TOML: {error}").format(error=err), source) from None
    except RecursionError:
        raise SpecError("(toml)", _("nested too deeply"), source) from None
    except ValueError:  # tomllib turning a number of over 4300 digits into an int
        raise SpecError("(toml)", _("a number has too many digits"), source) from None
    try:
        return spec_from_mapping(data, source)
    except RecursionError:
        raise SpecError("example", _("nested too deeply"), source) from None


MAX_SPEC_BYTES = 1_000_000


def load_spec_file(path: str | Path) -> Spec:
    """Read a spec from a TOML file: a regular file of at most ``MAX_SPEC_BYTES``.

    A device (``/dev/zero``), a FIFO or a directory is refused before it is opened, so nothing can
    make the read endless or block it; at most one byte over the limit is read.
    """
    path = Path(path)
    try:
        if not path.is_file():
            raise SpecError("(file)", _("{path} is not a regular file").format(path=path), str(path))
        with path.open("rb") as handle:
            raw = handle.read(MAX_SPEC_BYTES + 1)
    except OSError as err:
        raise SpecError("(file)", _("cannot read {path}: {error}").format(path=path, error=err.strerror), str(path)) from None
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError("(file)", _("spec file is larger than 1 MB"), str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError("(file)", _("spec file is not UTF-8 text"), str(path)) from None
    return load_spec_text(text, str(path))


def with_steps(spec: Spec, steps: int | None) -> Spec:
    """The same spec unrolled over ``steps`` time steps (validated)."""
    if steps is None:
        return spec
    if not spec.recurrent:
        if steps != 1:
            raise SpecError("steps", _("an MLP has no time axis; omit --steps (got {steps})").format(steps=steps))
        return spec
    return replace(spec, steps=steps)

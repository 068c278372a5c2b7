"""What the planner hands the template: printed statements in blocks, and the module's layout.

Every field holds text printed by :mod:`symrnn.printing.numpy_code` (or plain data such as
shapes); the template only arranges it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.spec import Spec


def module_name(spec_name: str) -> str:
    """``lstm`` -> ``lstm``, ``gru-torch`` -> ``gru_torch`` (a Python module name)."""
    return spec_name.replace("-", "_")


@dataclass(frozen=True)
class Statement:
    """``target op value``, citing the equation it implements (``label``) when it implements one.

    ``op`` empty: the statement is a call, all of it in ``target``
    (``np.matmul(_steps(X, 1, T), W_xh, out=_steps(A, 1, T))``).
    """

    target: str
    op: str
    value: str
    label: str | None = None

    @property
    def code(self) -> str:
        return f"{self.target} {self.op} {self.value}" if self.op else self.target

    @property
    def text(self) -> str:
        return self.code if self.label is None else f"{self.code}  # {self.label}"


@dataclass(frozen=True)
class Branch:
    """Statements under one ``if``/``elif`` head of a loop body (``head`` None: unconditional)."""

    head: str | None
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class Block:
    """Statements at function level (``header`` None) or a ``for`` loop over time."""

    header: str | None
    branches: tuple[Branch, ...]


@dataclass(frozen=True)
class Leaf:
    """An input, target or initial state as the module receives it."""

    key: str
    name: str
    role: str
    form: str  # "sequence", "first", "last", "initial", "static"
    width: int

    @property
    def layout(self) -> str:
        return {
            "sequence": f"(B, T, {self.width})",
            "first": f"(B, {self.width}), step 1 only",
            "last": f"(B, {self.width}), step T only",
            "initial": f"(B, {self.width}), optional, zeros by default",
            "static": f"(B, {self.width})",
        }[self.form]


@dataclass(frozen=True)
class Output:
    """An output of ``forward``: its key, the code that reads it off the arrays, its layout."""

    key: str
    code: str
    layout: str


@dataclass(frozen=True)
class Program:
    """A planned module: the blocks of the forward pass, the loss, the reversed loop, the gradients."""

    spec: Spec
    version: str
    notation: str
    recurrent: bool
    params: tuple[tuple[str, tuple[int, int]], ...]
    inputs: tuple[Leaf, ...]
    targets: tuple[Leaf, ...]
    outputs: tuple[Output, ...]
    setup: tuple[Statement, ...]  # parameters, sizes, inputs, arrays of the forward pass
    target_setup: tuple[Statement, ...]
    forward: tuple[Block, ...]
    loss: tuple[Block, ...]
    adjoint_setup: tuple[Statement, ...]
    backward: tuple[Block, ...]
    gradients: tuple[Statement, ...]
    kept: tuple[str, ...]  # what the forward pass hands the reversed loop, in order
    helpers: tuple[str, ...]  # the sources of the helpers the module calls, and only those
    imports: tuple[str, ...] = ()  # the modules those helpers use beyond numpy (``import threading``)

    @property
    def filename(self) -> str:
        return module_name(self.spec.name) + ".py"

    @property
    def kept_inline(self) -> bool:
        return len(", ".join(self.kept)) <= 60

    @property
    def kept_lines(self) -> tuple[str, ...]:
        """:attr:`kept` as lines ``a, b,`` of about 90 characters (one line ``a, b, c`` when short)."""
        if self.kept_inline:
            return (", ".join(self.kept),)
        lines: list[str] = []
        for name in self.kept:
            if lines and len(lines[-1]) + len(name) + 2 <= 90:
                lines[-1] += f" {name},"
            else:
                lines.append(f"{name},")
        return tuple(lines)

    @property
    def main_input(self) -> str:
        return next(leaf.key for leaf in self.inputs if leaf.form != "initial")

    @property
    def main_target(self) -> str:
        return self.targets[0].key

    @property
    def input_forms(self) -> str:
        return "{" + ", ".join(f"{leaf.key!r}: {leaf.form!r}" for leaf in self.inputs) + "}"

    @property
    def target_forms(self) -> str:
        return "{" + ", ".join(f"{leaf.key!r}: {leaf.form!r}" for leaf in self.targets) + "}"

    @property
    def output_keys(self) -> str:
        return ", ".join(output.key for output in self.outputs)

    @property
    def notation_note(self) -> str:
        if self.notation == "row":
            return (
                "Row notation: the spec's rows are the batch, so the equations read as written\n"
                "(``X_t W_xh``, a bias row broadcast over the batch)."
            )
        return (
            "Column notation: each example is stored as a row, so ``W_hx x_t`` is written\n"
            "``x[t] @ W_hx.T`` and a column bias ``b_h`` (n, 1) enters as the row ``b_h.T``."
        )


__all__ = ["Block", "Branch", "Leaf", "Output", "Program", "Statement", "module_name"]

"""What a report may honestly claim about each equation: proved, tested, implemented where.

Three independent sources, each optional (a report says plainly what was not run):

* **proof** — :func:`symrnn.core.prove.prove`: every adjoint, gradient and closed form evaluated at a
  random exact point of a small unroll and compared with element-level ``sympy.diff`` oracles
  (``chain``, and ``expanded`` where tractable). Forward equations are definitions, not claims.
* **tests** — :func:`symrnn.codegen.verify.verify`: the generated NumPy module's gradients against
  autograd, ``torch.nn`` (where a torch module exists) and central finite differences, on a few
  drawn cases (one seed each).
* **code** — the lines of the generated module (:func:`symrnn.codegen.generate`) whose comment
  cites the equation's label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..core import limits
from ..core.derive import Derivation, derive
from ..core.errors import SymrnnError
from ..core.labels import Equation
from ..i18n import N_, _, quoted_english

DEFAULT_SEEDS = (0, 1, 2)

ORACLE_NAMES = {"chain": N_("chain rule"), "expanded": N_("expanded loss"), "diff": N_("direct Jacobian")}
"""How a status line names the element-level oracles of symrnn.core.prove."""
_CITED = re.compile(r"\b((?:fwd|adj|grad|closed):[A-Za-z0-9_:]+)")


@dataclass(frozen=True)
class ProofSummary:
    sizes: str
    exact: bool
    oracles: dict  # label -> sorted tuple of oracle names
    failed: tuple[str, ...]
    count: int
    seconds: float


@dataclass(frozen=True)
class TestSummary:
    oracles: tuple[str, ...]
    seeds: tuple[int, ...]
    steps: int
    batch: int
    max_error: float
    passed: bool
    notes: dict


@dataclass(frozen=True)
class Note:
    """Why a part was not run, translated where it is printed: an English ``template`` (a message
    id) with an ``{error}`` slot for the exception's text. ``foreign``: that text is a third party's
    (Python's, a library's), English whatever the reader's language, and quoted as such; symrnn's
    own errors are already in the reader's language (translated where they are raised)."""

    template: str
    error: str = ""
    foreign: bool = False

    def text(self) -> str:
        error = quoted_english(self.error) if self.foreign else self.error
        return _(self.template).format(error=error) if self.error else _(self.template)


@dataclass(frozen=True)
class Trust:
    proof: ProofSummary | None = None
    proof_note: Note = Note(N_("the element-level proof was not run for this report"))
    tests: TestSummary | None = None
    tests_note: Note = Note(N_("the generated code was not tested for this report"))
    module: str = ""
    code_lines: dict = field(default_factory=dict)  # label -> tuple of line numbers
    code_note: Note | None = None

    def proved(self, label: str) -> tuple[str, ...]:
        """Oracles that every instance of equation ``label`` matched (empty when not proved)."""
        if self.proof is None:
            return ()
        return self.proof.oracles.get(label, ())


def summarize_proof(report) -> ProofSummary:
    by_label: dict[str, set[str]] = {}
    failed = []
    for result in report.results:
        label = result.label
        if not result.passed:
            failed.append(label)
        by_label.setdefault(label, set()).add(result.oracle)
    bad = set(failed)
    oracles = {label: tuple(sorted(found)) for label, found in by_label.items() if label not in bad}
    exact = all(r.exact for r in report.results)
    return ProofSummary(report.sizes, exact, oracles, tuple(sorted(bad)), len(report.results), report.seconds)


def run_proof(derivation: Derivation, seed: int = 0) -> tuple[ProofSummary | None, Note | None]:
    """Prove the derivation (at a smaller T when its own is too long for element level)."""
    from ..core.prove import prove

    target = derivation
    if derivation.spec.recurrent and derivation.steps > limits.PROVE_MAX_STEPS:
        target = derive(derivation.spec, min(3, limits.PROVE_MAX_STEPS))
    try:
        return summarize_proof(prove(target, seed=seed)), None
    except SymrnnError as err:
        return None, Note(N_("the element-level proof was not run: {error}"), str(err))


def run_tests(derivation: Derivation, seeds: tuple[int, ...] = DEFAULT_SEEDS) -> tuple[TestSummary | None, Note | None]:
    """Verify the generated module against every available oracle, one drawn case per seed."""
    try:
        from ..codegen.verify import verify
    except ImportError as err:  # pragma: no cover - verify is part of the package
        return None, Note(N_("the generated code was not tested: {error}"), str(err), foreign=True)
    reports = []
    try:
        for seed in seeds:
            reports.append(verify(derivation.spec, seed=seed))
    except (SymrnnError, ImportError) as err:
        return None, Note(N_("the generated code was not tested: {error}"), str(err), foreign=not isinstance(err, SymrnnError))
    first = reports[0]
    oracles = sorted({o for r in reports for _, errors in r.rows for o, e in errors.items() if e is not None})
    worst = max((e for r in reports for _, errors in r.rows for e in errors.values() if e is not None), default=0.0)
    return TestSummary(tuple(oracles), tuple(seeds), first.steps, first.batch, worst, all(r.passed for r in reports), dict(first.notes)), None


def code_citations(derivation: Derivation) -> tuple[str, dict[str, tuple[int, ...]], Note | None]:
    """The generated module's name and, for each label, the lines whose comment cites it."""
    try:
        from ..codegen.generate import generate, module_name
    except ImportError as err:  # pragma: no cover
        return "", {}, Note(N_("no code generator: {error}"), str(err), foreign=True)
    try:
        source = generate(derivation.spec)
    except SymrnnError as err:
        return "", {}, Note(N_("no code was generated: {error}"), str(err))
    lines: dict[str, list[int]] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        if "#" not in line:
            continue
        for label in _CITED.findall(line.split("#", 1)[1]):
            lines.setdefault(label, []).append(number)
    return f"symrnn.derivations.{module_name(derivation.spec.name)}", {k: tuple(v) for k, v in lines.items()}, None


def collect(derivation: Derivation, proof: bool = True, tests: bool = True, seeds: tuple[int, ...] = DEFAULT_SEEDS) -> Trust:
    """Everything a report can claim about ``derivation``; skipped parts are said to be skipped."""
    kwargs: dict = {}
    if proof:
        summary, note = run_proof(derivation)
        kwargs["proof"] = summary
        if note:
            kwargs["proof_note"] = note
    if tests:
        summary, note = run_tests(derivation, seeds)
        kwargs["tests"] = summary
        if note:
            kwargs["tests_note"] = note
    module, lines, note = code_citations(derivation)
    return Trust(module=module, code_lines=lines, code_note=note, **kwargs)


def equation_status(trust: Trust, eq: Equation) -> str:
    """One short line under an equation: proved by which oracles; implemented on which lines."""
    parts = []
    if eq.kind in ("forward", "loss"):
        parts.append(_("definition"))
    elif trust.proof is None:
        parts.append(_("not proved in this build"))
    elif eq.label in trust.proof.failed:
        parts.append(_("PROOF FAILED"))
    else:
        oracles = trust.proved(eq.label)
        numeric = tuple(o for o in oracles if o != "induction")
        if numeric:
            how = _("exactly") if trust.proof.exact else _("to 50 digits")
            names = " + ".join(_(ORACLE_NAMES[o]) if o in ORACLE_NAMES else o for o in numeric)
            parts.append(_("proved {how} vs. sympy.diff ({names})").format(how=how, names=names))
        if "induction" in oracles:
            parts.append(_("proved for every T by induction on t"))
        if not oracles:
            parts.append(_("not covered by the proof"))
    lines = trust.code_lines.get(eq.label)
    if lines:
        shown = ", ".join(str(n) for n in lines[:4]) + (", ..." if len(lines) > 4 else "")
        parts.append((_("code: lines {shown}") if len(lines) > 1 else _("code: line {shown}")).format(shown=shown))
    return "; ".join(parts)


__all__ = ["Note", "ProofSummary", "TestSummary", "Trust", "code_citations", "collect", "equation_status", "run_proof", "run_tests"]

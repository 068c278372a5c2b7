"""Hostile input: no code runs, no file is read, nothing hangs, every refusal says why.

An audit hook (``sys.addaudithook``) records, while a hostile answer is being checked, every
``open``, ``exec``, ``compile``, ``import``, ``os.system`` and ``subprocess.Popen`` event: the
checker must raise none of them (everything it needs is imported during a warm-up first).
"""

from __future__ import annotations

import pathlib
import re
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symrnn.check import check_answer, limits
from symrnn.core import catalogue

_EVENTS: list[tuple[str, str]] = []
_RECORDING = [False]
_WATCHED = ("open", "exec", "compile", "import", "os.system", "os.exec", "os.posix_spawn", "subprocess.Popen", "builtins.input",
            "socket.connect", "ctypes.dlopen")


def _hook(event, args):
    if _RECORDING[0] and event.startswith(_WATCHED):
        _EVENTS.append((event, repr(args)[:200]))


sys.addaudithook(_hook)  # inert unless _RECORDING is set; audit hooks cannot be removed


SPEC = catalogue.load("rnn-linear")  # loaded once: reading the spec file is not the answer's doing


def _checked(text: str, spec=SPEC, grad: str = "W_hh"):
    check_answer(spec, grad, "sum_t dL_dh[t] @ h[t-1].T")  # warm-up: imports, caches, parser
    check_answer(spec, grad, "x")
    _EVENTS.clear()
    _RECORDING[0] = True
    start = time.monotonic()
    try:
        verdict = check_answer(spec, grad, text)
    finally:
        _RECORDING[0] = False
    return verdict, time.monotonic() - start, list(_EVENTS)


HOSTILE = {
    "dunder attribute": ("().__class__.__bases__[0].__subclasses__()", None),
    "import call": ("__import__('os').system('touch pwned')", None),
    "eval call": ("eval('1+1')", None),
    "attribute on a symbol": ("W_hh.__class__", None),
    "numpy attribute": ("np.linalg.inv(W_hh)", None),
    "power tower": ("9**9**9**9", "limit"),
    "latex power tower": ("9^{9^{9^{9}}}", None),
    "huge exponent": ("W_hh^{999999999}", None),
    "large matrix power": ("(W_hh^T)^{99999}", None),
    "deep nesting": ("(" * 500 + "W_hh" + ")" * 500, "nested"),
    "deep unary minus": ("-" * 1500 + "W_hh", "nested"),
    "very long input": ("W_hh + " * 2000 + "W_hh", "characters long"),
    "long number": ("1" * 5000, "characters long"),
    "number digits": ("1" * 40 + " W_hh", "digits"),
    "input macro": (r"\input{/etc/passwd}", "unknown command"),
    "include macro": (r"\include{secrets}", "unknown command"),
    "def macro": (r"\def\x{W_hh}\x", "unknown command"),
    "csname": (r"\csname W_hh\endcsname", "unknown command"),
    "catcode": (r"\catcode`\^=12", "not allowed"),
    "catcode without backtick": (r"\catcode 94=12", "unknown command"),
    "write18": (r"\immediate\write18{ls}", "unknown command"),
    "openin": (r"\openin5=/etc/passwd", "unknown command"),
    "backslash backslash": (r"W_hh \\ W_hh", "unknown command"),
    "right-to-left override": ("W_hh\u202e + W_hh", "U+202E"),
    "zero width joiner": ("W\u200d_hh", "U+200D"),
    "fullwidth letters": ("\uff37_hh", "U+FF37"),
    "cyrillic lookalike": ("\u0412_hh", "U+0412"),
    "null byte": ("W_hh\x00", "U+0000"),
    "shell metacharacters": ("W_hh; rm -rf /", "not allowed"),
    "comment": ("W_hh % \\input{x}", "not allowed"),
    "python lambda": ("lambda: W_hh", None),
    "format string": ("{W_hh.__init__.__globals__}", None),
    "empty": ("", "empty"),
    "only spaces": ("     ", "empty"),
    "unbalanced": ("((W_hh)", "never closed"),
    "many terms within limits": (" + ".join(["sum_t dL_dh[t] @ h[t-1].T"] * 60), None),
    "nested sums": ("sum_t sum_i sum_j sum_k dL_dh[t] @ h[t-1].T", None),
    "sum to a huge bound": ("sum_{t=1}^{99999} dL_dh[1] @ h[0].T", None),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_runs_no_code_reads_no_file_and_finishes(name):
    text, fragment = HOSTILE[name]
    verdict, seconds, events = _checked(text)
    assert events == [], events
    assert seconds < 3.0, seconds
    assert verdict.status in ("invalid", "wrong", "correct")
    if fragment is not None:
        assert verdict.status == "invalid"
        assert fragment in verdict.message, verdict.message
    if verdict.status == "invalid":
        assert verdict.message


def test_an_expensive_answer_is_stopped_by_the_time_limit():
    text = "sum_{i=1}^{40} sum_{j=1}^{40} sum_{k=1}^{40} sum_t dL_dh[t] @ h[t-1].T"
    start = time.monotonic()
    verdict = check_answer(SPEC, "W_hh", text, time_limit=0.5)
    assert time.monotonic() - start < 3.0
    assert verdict.status == "invalid" and "time limit" in verdict.message


def test_no_file_is_created_by_hostile_input(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _checked("__import__('os').system('touch pwned')")
    _checked(r"\immediate\write18{touch pwned}")
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=60)
@given(st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x2FFF), max_size=80))
def test_random_text_never_crashes_or_runs_code(text):
    verdict, seconds, events = _checked(text)
    assert events == []
    assert verdict.status in ("invalid", "wrong", "correct")
    assert seconds < 3.0


@settings(max_examples=40)
@given(st.text(alphabet=list("W_hdLt[]()^{}+-*@/.T0123456789 \\sumfrac"), max_size=60))
def test_random_grammar_soup_never_crashes(text):
    verdict, seconds, events = _checked(text)
    assert events == []
    assert verdict.status in ("invalid", "wrong", "correct")
    assert seconds < 3.0


def test_the_check_package_has_no_eval_exec_sympify_or_parse_expr():
    root = pathlib.Path(__file__).resolve().parents[1] / "symrnn"
    sources = list((root / "check").glob("*.py")) + [root / "core" / "evaluate.py", root / "commands" / "check.py", root / "commands" / "grade.py"]
    banned = re.compile(r"(?<![\w.])(eval|exec|parse_expr|parse_latex|compile)\s*\(|sympify\s*\(\s*(text|answer|token|tok)")
    for path in sources:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#", 1)[0]
            assert not banned.search(code), f"{path.name}:{lineno}: {line.strip()}"


def test_limits_are_stated_in_one_place():
    assert limits.MAX_LENGTH <= 10000 and limits.MAX_DEPTH <= 100 and limits.MAX_EXPONENT <= 1000
    assert limits.TIME_LIMIT > 0 and limits.MEMORY_LIMIT > 0

"""The last section of a Spanish report: oracles named in Spanish, exception texts framed by a
Spanish sentence (a third party's message quoted and said to be English); English unchanged."""

from __future__ import annotations

from symrnn.core import catalogue
from symrnn.core.derive import derive
from symrnn.i18n import N_, quoted_english, use_language
from symrnn.report import build
from symrnn.report.say import as_text
from symrnn.report.trust import Note, Trust
from symrnn.report.trust import TestSummary as Summary

TESTS = Summary(("autograd", "finite diff", "torch.nn"), (0, 1, 2), 3, 2, 3e-10, True, {})
NO_TORCH = Summary(("autograd", "finite diff"), (0,), 3, 2, 0.0, True,
                       {"torch.nn": "a reason written without N_", "autograd": "torch is not installed"})


def _trust_text(trust: Trust, lang: str = "en") -> str:
    with use_language(lang):
        report = build(derive(catalogue.load("rnn-linear")), trust)
    section = next(s for s in report.sections if s.key == "trust")
    return "\n".join(as_text(b.runs) for b in section.blocks if b.kind == "paragraph")


def test_the_oracles_of_the_tests_are_named_in_the_readers_language():
    english, spanish = _trust_text(Trust(tests=TESTS)), _trust_text(Trust(tests=TESTS), "es")
    assert "compared with autograd, finite diff, torch.nn: all within tolerance" in english
    assert "autograd, diferencias finitas y torch.nn" in spanish and "finite diff" not in spanish


def test_a_reason_not_to_compare_is_translated_or_quoted_as_english():
    spanish = _trust_text(Trust(tests=NO_TORCH), "es")
    assert "No se comparó con autograd: torch no está instalado." in spanish
    assert "No se comparó con torch.nn: “a reason written without N_” (el mensaje original, en inglés)." in spanish
    assert "Not compared with torch.nn: a reason written without N_." in _trust_text(Trust(tests=NO_TORCH))


def test_an_exception_in_a_note_is_framed_in_spanish_and_a_third_partys_text_said_to_be_english():
    python = Note(N_("the generated code was not tested: {error}"), "No module named 'autograd'", foreign=True)
    ours = Note(N_("the element-level proof was not run: {error}"), "demasiado grande")
    trust = Trust(proof_note=ours, tests_note=python)
    english, spanish = _trust_text(trust), _trust_text(trust, "es")
    assert "Proof: the element-level proof was not run: demasiado grande." in english
    assert "Tests: the generated code was not tested: No module named 'autograd'." in english
    assert "la demostración a nivel de elementos no se ejecutó: demasiado grande." in spanish
    assert ("el código generado no se probó: “No module named 'autograd'” (el mensaje original, en inglés)."
            in spanish)
    assert "the generated code" not in spanish and "was not" not in spanish


def test_quoted_english_is_plain_in_english_and_empty_stays_empty():
    assert quoted_english("boom") == "boom"
    with use_language("es"):
        assert quoted_english("") == ""
        assert quoted_english("boom").startswith("“boom”")

"""The checker, grading, prove, verify, serve and the CLI help speak Spanish with --lang es: no
message of the catalogue is left in English in what they print, the mistakes name themselves in
Spanish wherever they are shown, and a Spanish answer may write a decimal comma."""

from __future__ import annotations

import csv
import io
import re
import threading
import time

import pytest

from symrnn.check.verdict import check_answer, check_text
from symrnn.cli import main
from symrnn.core.catalogue import resolve
from symrnn.core.mistakes import MISTAKES
from symrnn.i18n import _, use_language
from symrnn.i18n.catalog import read

COMMANDS = ("report", "exam", "check", "grade", "serve", "verify", "prove", "codegen", "catalogue", "derive")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|\{\{|\}\}|\{[^{}]*\}")


@pytest.fixture(scope="module")
def english_fragments():
    """The English pieces of every message whose Spanish differs: a fragment of a message between
    its placeholders, long enough (three words, 16 characters) not to occur by chance in Spanish
    text or in an English word of a command's own (an option's metavar, a spec's title)."""
    out = set()
    for m in read("es"):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for msgid in ids:
            if msgid in strings:
                continue
            for piece in PLACEHOLDER.split(msgid):
                piece = piece.strip(" :;,.()'")
                if len(piece) >= 16 and piece.count(" ") >= 2 and not any(piece in s for s in strings):
                    out.add(piece)
    return out


def english_left(text: str, fragments) -> list[str]:
    return sorted(f for f in fragments if f in text)


def run_cli(capsys, *argv) -> str:
    with use_language("en"):  # the CLI sets the language of this thread: put it back afterwards
        try:
            main([*argv, "--lang", "es"])
        except SystemExit:
            pass
    captured = capsys.readouterr()
    return captured.out + captured.err


# ----------------------------------------------------------------------------- the walk


def test_check_speaks_spanish_and_names_the_mistake_in_spanish(capsys, english_fragments):
    out = run_cli(capsys, "check", "rnn-linear", "--grad", "h", "--answer", "W_qh.T @ dL_do[t]")
    assert "veredicto:" in out and "incorrecta" in out
    assert "Falta el término recurrente (missing_recurrent_term)" in out
    assert "contraejemplo (float: entrada 2, oculto 2, salida 2, T = 3):" in out
    assert "devolución:" in out and "docente:" in out
    assert english_left(out, english_fragments) == []


@pytest.mark.parametrize("argv", [
    ("check", "rnn-linear", "--grad", "W_hh", "--answer", "W_qh @ "),
    ("check", "rnn-linear", "--grad", "W_hh", "--answer", "sum_t dL_dh[t] @ h[t-1]"),
    ("check", "rnn-linear", "--grad", "W_hh", "--answer", "sum_t dL_dh[t] @ h[t-1].T"),
    ("check", "rnn-tanh", "--grad", "W_hh", "--answer", "sum_t dL_dh[t] @ h[t-1].T"),
    ("check", "mlp-2-2-2", "--grad", "w5", "--answer", "0,08"),
    ("check", "rnn-linear", "--grad", "nothing", "--answer", "h[t]"),
    ("check", "rnn-linear", "--grad", "h", "--answer", "\\input{x}"),
    ("check", "rnn-linear", "--function", "mine.txt:grads"),
    ("prove", "rnn-linear"),
    ("catalogue",),
    ("verify", "rnn-linear", "--no-torch"),
    ("codegen", "--all", "--check"),
    ("serve", "rnn-linear", "--db", "x.sqlite", "--exam", "e.json"),
], ids=lambda a: " ".join(a)[:40])
def test_each_command_leaves_no_english_message(capsys, english_fragments, argv):
    out = run_cli(capsys, *argv)
    assert out.strip()
    assert english_left(out, english_fragments) == [], out


@pytest.mark.parametrize("command", COMMANDS, ids=str)
def test_the_help_of_every_command_is_spanish(capsys, english_fragments, command):
    out = run_cli(capsys, command, "--help")
    assert "opciones" in out or "argumentos" in out, out
    assert english_left(out, english_fragments) == [], out


def test_prove_and_verify_words():
    from symrnn.codegen.verify import Report
    from symrnn.core.prove import ProofResult

    result = ProofResult("dL/dW_hh", "sympy", 4, True, 0.0, True)
    report = Report(resolve("rnn-linear"), 3, 2, 0, (("W_hh", {"autograd": 1e-12, "finite diff": 1e-10}),),
                    {"torch.nn": "disabled"})
    with use_language("es"):
        assert result.line().startswith("BIEN  ") and "4 entradas, exacta" in result.line()
        table = report.table()
    assert "parámetro" in table and "nota: torch.nn no comparado: desactivado" in table
    assert "veredicto: BIEN" in table
    assert result.line().startswith("PASS  ") and "4 entries, exact" in result.line()


# ----------------------------------------------------------------------------- the catalogue of mistakes


def test_every_mistake_names_itself_in_the_current_language():
    for m in MISTAKES.values():
        with use_language("es"):
            spanish = (m.title, m.feedback, m.description, m.teacher_note)
        assert (m.title, m.feedback, m.teacher_note) == (m.title_en, m.feedback_en, m.teacher_note_en)
        assert all(s and s != e for s, e in zip(spanish, (m.title_en, m.feedback_en, m.feedback_en, m.teacher_note_en)))
    with use_language("es"):
        assert MISTAKES["lstm_cell_path_dropped"].feedback.count("compuerta de olvido") == 1


def test_the_cached_set_up_does_not_freeze_the_language():
    """A check's set-up is cached: its words (sizes, what a mutant changed) are translated when shown."""
    answer = "W_qh.T @ dL_do[t]"
    english = check_text("rnn-linear", "h", answer)
    with use_language("es"):
        spanish = check_text("rnn-linear", "h", answer)
    assert "counterexample (float: input 2, hidden 2, output 2, T = 3):" in english
    assert "where:    adj:h:t: dropped W_hh.T" in english
    assert "contraejemplo (float: entrada 2, oculto 2, salida 2, T = 3):" in spanish
    assert "adj:h:t: se omitió W_hh.T" in spanish
    assert check_text("rnn-linear", "h", answer) == english


# ----------------------------------------------------------------------------- decimal comma


def test_a_spanish_answer_may_write_a_decimal_comma():
    with use_language("es"):
        v = check_answer("mlp-2-2-2", "w5", "0,082167041")
        assert v.correct and v.read_as == "0.082167041"
        assert check_answer("mlp-2-2-2", "w5", "0,74136507 \\cdot 0,186815602 \\cdot 0,593269992").correct
        assert check_answer("mlp-2-2-2", "w5", "0,5").status == "wrong"
    english = check_answer("mlp-2-2-2", "w5", "0,082167041")
    assert english.status == "invalid" and "column 2" in english.message


def test_the_grammar_s_own_commas_stay_commas():
    from symrnn.check.numbers import decimal_points

    with use_language("es"):
        assert decimal_points("h_{1,2} + 0,5") == "h_{1,2} + 0.5"
        assert decimal_points("\\textrm{prod}(2, 3)") == "\\textrm{prod}(2, 3)"
        assert decimal_points("x_1,2") == "x_1,2"
        assert decimal_points("1,2,3") == "1,2,3"
        assert decimal_points("\\frac{0,5}{T}") == "\\frac{0.5}{T}"
    assert decimal_points("0,5") == "0,5"


# ----------------------------------------------------------------------------- the browser checker


@pytest.fixture()
def spanish_server(tmp_path):
    pytest.importorskip("httpx")
    from starlette.testclient import TestClient

    from symrnn.serve.app import Server, Settings, build
    from symrnn.serve.questions import from_spec
    from symrnn.serve.store import Store

    class Idle:
        def notify(self):
            pass

    store = Store(str(tmp_path / "class.sqlite"))
    with use_language("es"):
        questions = from_spec("rnn-linear", ["h"])
    server = Server(questions, store, Idle(), Settings(export_token="t", lang="es"))
    with TestClient(build(server)) as client:
        yield server, store, client
    store.close()


def test_the_pages_are_spanish_with_serve_lang_es(spanish_server, english_fragments):
    _server, store, client = spanish_server
    page = client.get("/q/q1").text
    assert '<html lang="es">' in page and "Tu número de legajo" in page and "<p>La red " in page
    assert "symrnn: verificá tu derivación" in page and "<p>Derivá <math" in page
    assert 'data-unavailable="vista previa no disponible"' in page
    sub = store.add("q1", "rnn-linear", "h", "A1", "W_qh.T @ dL_do[t]")
    with use_language("es"):
        v = check_answer("rnn-linear", "h", sub.answer)
    store.save(sub.id, {"id": "A1", "grad": "h", "answer": sub.answer, "status": v.status, "score": 0.0,
                        "message": v.message, "mistakes": ";".join(v.mistakes), "feedback": v.feedback,
                        "read_as": v.read_as, "line": sub.id, "flags": ""})
    result = client.get(f"/r/{sub.token}").text
    assert "Veredicto: <strong>incorrecta</strong>" in result and "Falta el término recurrente" in result
    missing = client.get("/q/nope")
    assert missing.status_code == 404 and "No existe esa pregunta" in missing.text
    for text in (page, result, missing.text, client.get("/").text):
        assert english_left(text, english_fragments) == []


def test_the_grader_thread_grades_in_the_server_s_language(tmp_path):
    from symrnn.serve.grader import Grader
    from symrnn.serve.store import Store

    store = Store(str(tmp_path / "g.sqlite"))
    sub = store.add("q1", "rnn-linear", "h", "A1", "W_qh.T @ dL_do[t]")
    done = threading.Event()
    with use_language("es"):
        grader = Grader(store, 1, on_done=lambda _sub: done.set())
    assert grader.lang == "es"
    grader.start()  # a new thread: it would grade in English unless it sets the language itself
    try:
        assert done.wait(120)
    finally:
        grader.stop()
    result = store.by_token(sub.token).result
    store.close()
    assert result["message"].startswith("la respuesta difiere del adjunto"), result["message"]


def test_every_template_message_is_in_the_catalogue():
    """The page templates are ``*.html``: their messages are listed in symrnn/serve/words.py."""
    from babel.messages.extract import extract_from_dir

    from symrnn.serve import render
    from symrnn.serve.words import TEMPLATE_MESSAGES

    found = {m for _f, _l, m, _c, _x in extract_from_dir(
        str(render.TEMPLATES), [("**.html", "jinja2")], {"**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}},
        {"_": None})}
    assert found and found <= set(TEMPLATE_MESSAGES), sorted(found - set(TEMPLATE_MESSAGES))
    with use_language("es"):
        assert all(_(m) != m for m in found)


def test_a_new_thread_starts_in_english_so_the_grader_must_set_its_language():
    seen = []
    with use_language("es"):
        t = threading.Thread(target=lambda: seen.append(_("Correct.")))
        t.start()
        t.join()
        time.sleep(0)
    assert seen == ["Correct."]


# ----------------------------------------------------------------------------- grading


def test_grade_speaks_spanish_and_keeps_its_machine_columns(tmp_path, capsys, english_fragments):
    rows = ["id;grad;answer", "A1;w5;0,082167041",
            "A2;w5;(out_o1 - target_o1) * out_o1 * (1 + out_o1) * out_h1", "A1;w5;0,5"]
    (tmp_path / "in.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = run_cli(capsys, "grade", "mlp-2-2-2", str(tmp_path / "in.csv"), "-o", str(tmp_path / "out.csv"),
                  "--summary", str(tmp_path / "s.md"), "--workers", "1")
    table = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text("utf-8-sig"))))
    assert list(table[0])[:6] == ["id", "grad", "answer", "status", "score", "mistakes"]
    assert [r["status"] for r in table] == ["correct", "wrong", "wrong"]  # a decimal comma is read in Spanish
    assert table[1]["mistakes"] == "derivative_sign_flipped"
    assert table[0]["feedback"] == "Correcta, con la precisión de los números escritos."
    assert table[0]["flags"] == "id repetido: también en la línea 4"
    summary = (tmp_path / "s.md").read_text("utf-8")
    assert "# Resumen del curso (3 envíos)" in summary and "| tipo | qué | filas | proporción |" in summary
    assert "3 envíos" in out and "Signo dentro de la derivada de la activación (derivative_sign_flipped)" in out
    assert "correcta" in out and "incorrecta" in out
    for text in (out, summary, "\n".join(r["feedback"] + r["teacher_note"] + r["message"] for r in table)):
        assert english_left(text, english_fragments) == [], text


def test_a_grading_item_carries_its_language_to_a_worker_that_does_not_share_it():
    """A Dask or executor worker runs in another context: the item says which language to use."""
    from symrnn.check.grade import grade_batch, submission_items

    with use_language("es"):
        items = submission_items("rnn-linear", [{"id": "a", "grad": "h", "answer": "W_qh.T @ dL_do[t]"}], None, 30.0)
    seen = []
    worker = threading.Thread(target=lambda: seen.extend(grade_batch(items)))  # a new thread: English
    worker.start()
    worker.join()
    assert seen[0]["message"].startswith("la respuesta difiere del adjunto")
    assert grade_batch([items[0][:5]])[0]["message"].startswith("the answer differs from the adjoint")


def test_the_class_summary_and_chart_words(tmp_path):
    from symrnn.check import summary

    results = [{"status": "correct"}, {"status": "wrong", "mistakes": "sign_error"}, {"status": "timeout", "flags": "x"}]
    counts = summary.summarize(results)
    english = summary.to_text(counts)
    with use_language("es"):
        spanish = summary.to_text(counts)
        csv_text = summary.to_csv(counts)
    assert "Sign error in the output error (sign_error)" in english and "3 submissions" in english
    assert "Error de signo en el error de salida (sign_error)" in spanish and "tiempo agotado" in spanish
    assert "filas cuyo id se repite" in spanish
    assert csv_text.splitlines()[0] == "\ufeffkind,what,rows,share"  # the CSV's columns stay English


def test_a_function_verdict_in_spanish():
    from symrnn.check.function import FunctionVerdict

    v = FunctionVerdict("rnn-linear", "wrong", draws=3, isolation="", message="",
                        parameters={"W_hh": {"status": "wrong", "max_error": 0.5, "differ": []}})
    with use_language("es"):
        text = v.to_text()
    assert text.splitlines()[0] == "veredicto de la función: incorrecta (3 sorteos)"
    assert "W_hh: incorrecta, error máx. 0.5" in text


def test_the_guard_s_refusals_are_in_the_server_s_language():
    pytest.importorskip("httpx")
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from symrnn.serve.app import Language
    from symrnn.serve.guard import Guard

    app = Language(Guard(Starlette(), 1000, max_body=10), "es")
    with TestClient(app) as client:
        r = client.post("/preview", content=b"x" * 100, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and r.text == "el cuerpo de la solicitud supera los 10 bytes\n"


def test_no_function_that_translates_binds_the_name_underscore():
    """``a, _ = ...`` in a function that also calls ``_()`` makes ``_`` a string there."""
    import ast
    from pathlib import Path

    import symrnn

    bad = []
    for path in Path(symrnn.__file__).parent.rglob("*.py"):
        for fn in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            inner = [n for stmt in fn.body for n in ast.walk(stmt)]
            binds = [n for n in inner if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
                     and not any(isinstance(c, ast.comprehension) and n in ast.walk(c.target) for c in inner)]
            calls = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_" for n in inner)
            if binds and calls:
                bad.append(f"{path.relative_to(path.parents[1])}:{binds[0].lineno}")
    assert not bad, bad


def test_the_jupyter_display_of_a_verdict_in_spanish():
    from symrnn.serve.displays import verdict_html, verdict_markdown

    with use_language("es"):
        v = check_answer("rnn-linear", "h", "W_qh.T @ dL_do[t]")
        html, md = verdict_html(v), verdict_markdown(v)
    assert "<strong>INCORRECTA</strong>" in html and "leída como:" in html and "Falta el término recurrente" in html
    assert md.startswith("**incorrecta**: `h` de `rnn-linear`") and "error: Falta el término recurrente" in md
    assert verdict_markdown(v).startswith("**wrong**: `h` of `rnn-linear`")

"""What ``symrnn serve`` asks: questions from an exam's JSON and from SPEC --grad, and its refusals."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from symrnn.cli import main
from symrnn.serve.questions import QuestionError, from_exam, from_spec


def _exam(tmp_path, checker, title="Derive <b>it</b>") -> str:
    part = {"prompt": [{"paragraph": ["Derive ", {"math": r"\frac{\partial L}{\partial \mathbf{W}_{hh}}"}]}],
            "answer": {"kind": "formula", "points": 3, "formula": "x", "checker": checker}}
    hand = {"prompt": [{"paragraph": ["By hand"]}], "answer": {"kind": "formula", "points": 3, "checker": []}}
    problem = {"title": title, "statement": [{"paragraph": ["The network is"]},
                                             {"display": [r"\mathbf{h}_{t} &= \mathbf{W}_{hh} \mathbf{h}_{t-1}"]}],
               "parts": [hand, part]}
    path = tmp_path / "exam.json"
    path.write_text(json.dumps({"versions": [{"number": 1, "problems": [problem]}]}), encoding="utf-8")
    return str(path)


def test_every_checker_graded_part_of_an_exam_is_a_question(tmp_path):
    (q,) = from_exam(_exam(tmp_path, ["rnn-linear", "W_hh"]))
    assert (q.qid, q.spec, q.grad) == ("v1-p1-2", "rnn-linear", "W_hh")
    assert ("display", (r"\mathbf{h}_{t} &= \mathbf{W}_{hh} \mathbf{h}_{t-1}",)) in q.statement


def test_an_exam_question_page_renders_with_its_title_escaped(tmp_path):
    httpx = pytest.importorskip("httpx")
    from symrnn.serve.app import Server, Settings, build

    questions = from_exam(_exam(tmp_path, ["rnn-linear", "W_hh"]))
    app = build(Server(questions, store=None, grader=None, settings=Settings(export_token="t")))

    async def get():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return await client.get("/q/v1-p1-2")

    r = asyncio.run(get())
    assert r.status_code == 200
    assert "Derive &lt;b&gt;it&lt;/b&gt;" in r.text and "<b>it" not in r.text
    assert r.text.count("<mtable>") == 1  # the statement's display, as MathML


@pytest.mark.parametrize("content, message", [
    ("{", "is not JSON"),
    ('{"versions": 3}', "no 'versions' list"),
    ('{"versions": [{"problems": [{"parts": [{"answer": {"checker": ["x"]}}]}]}]}', "is not [spec, grad]"),
    ('{"versions": [{"problems": [{"parts": []}]}]}', "no part the checker can grade"),
])
def test_a_bad_exam_file_is_refused_on_one_line(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(QuestionError, match=re.escape(message)):
        from_exam(str(path))


def test_spec_questions_state_the_network_and_ask_each_quantity():
    q1, q2 = from_spec("rnn-linear", ["W_hh", "h"])
    assert q1.prompt[1] == ("math", r"\frac{\partial L}{\partial \mathbf{W}_{hh}}")
    assert q2.prompt[1] == ("math", r"\frac{\partial L}{\partial \mathbf{h}_{t}}")
    assert q1.statement[1][0] == "display"


@pytest.mark.parametrize("args, message", [
    (["serve", "--db", "x.sqlite"], "give --exam EXAM.json, or a SPEC"),
    (["serve", "rnn-linear", "--db", "x.sqlite"], "give the quantities to ask with --grad"),
    (["serve", "rnn-linear", "--grad", "W_hh", "--exam", "e.json", "--db", "x.sqlite"], "not both"),
    (["serve", "--exam", "/no/such.json", "--db", "x.sqlite"], "no such exam file"),
    (["serve", "rnn-linear", "--grad", "nothing", "--db", "x.sqlite"], "nothing"),
    (["serve", "rnn-linear", "--grad", "W_hh", "--port", "70000", "--db", "x.sqlite"], "--port must be between"),
])
def test_bad_serve_options_give_one_line_and_exit_2(capsys, args, message):
    try:
        status = main(args)
    except SystemExit as exc:  # argparse's own refusals
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_server_takes_no_function_file(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["serve", "rnn-linear", "--grad", "W_hh", "--db", "x.sqlite", "--function", "f.py:grads"])
    assert exc.value.code == 2 and "unrecognized arguments: --function" in capsys.readouterr().err

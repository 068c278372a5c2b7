"""``symrnn serve`` end to end over HTTP: pages, preview, verdicts, CSRF, the store, the export.

One real server (a subprocess on a free loopback port) serves rnn-linear's W_hh and h; its
database is seeded with pending rows before it starts, as a crash would leave them.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3

import pytest

httpx = pytest.importorskip("httpx")  # the test extra installs it (starlette's test client needs it too)

from symrnn.check.grade import OUT_FIELDS
from symrnn.serve.store import Store
from tests.test_serve_support import csrf, server, wait_graded

SEEDED = [("q1", "rnn-linear", "W_hh", "seed-1", "sum_t dL_dh[t] @ h[t-1].T"),
          ("q2", "rnn-linear", "h", "seed-2", "W_qh.T @ dL_do[t]")]


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    db = str(tmp / "class.sqlite")
    store = Store(db)
    for row in SEEDED:  # left pending, as after a crash between storing and grading
        store.add(*row)
    store.close()
    with server(tmp, "rnn-linear", "--grad", "W_hh", "--grad", "h", "--db", db, "--workers", "1",
                "--rate-limit", "1000") as s:
        s.db = db
        with httpx.Client(base_url=s.base, timeout=60) as client:
            s.client = client
            yield s


def _submit(running, qid: str, student: str, answer: str):
    page = running.client.get(f"/q/{qid}")
    return running.client.post(f"/q/{qid}", data={"csrf": csrf(page.text), "student": student, "answer": answer},
                               follow_redirects=True)


def test_the_question_page_shows_the_network_as_mathml_with_a_strict_policy(running):
    r = running.client.get("/q/q1")
    assert r.status_code == 200
    assert "<math" in r.text and "<mfrac>" in r.text  # the prompt's dL/dW_hh, made on the server
    assert 'src="/static/app.js"' in r.text and "cdn" not in r.text.lower()
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "samesite=strict" in r.headers["set-cookie"].lower() and "httponly" in r.headers["set-cookie"].lower()
    assert running.client.get("/static/app.js").status_code == 200


def test_pending_rows_of_an_earlier_run_are_graded_on_start(running):
    rows = wait_graded(running.client, running.token, len(SEEDED))
    seeded = {r["id"]: r for r in rows if r["id"].startswith("seed-")}
    assert seeded["seed-1"]["status"] == "correct"
    assert seeded["seed-2"]["status"] == "wrong" and seeded["seed-2"]["mistakes"] == "missing_recurrent_term"


def test_a_wrong_answer_gets_the_checkers_verdict_mistake_and_counterexample(running):
    r = _submit(running, "q2", "ana", "W_qh.T @ dL_do[t]")
    assert r.status_code == 200 and str(r.url).startswith(running.base + "/r/")
    assert re.search(r'id="verdict">Verdict: <strong>wrong</strong>', r.text)
    assert "Recurrent term missing" in r.text and 'id="counterexample"' in r.text
    assert "expected h at t = 1" in r.text and "--format json" not in r.text
    assert 'id="read-as"><math' in r.text


def test_a_correct_answer_is_correct(running):
    r = _submit(running, "q1", "ana", r"\sum_{t=1}^{T} \frac{\partial L}{\partial \mathbf{h}_t} \mathbf{h}_{t-1}^\top")
    assert "Verdict: <strong>correct</strong>" in r.text


def test_the_preview_reads_with_the_checkers_grammar(running):
    token = csrf(running.client.get("/q/q1").text)
    ok = running.client.post("/preview", data={"csrf": token, "q": "q1", "answer": "sum_t dL_dh[t] @ h[t-1].T"}).json()
    assert ok["ok"] and ok["mathml"].startswith("<math") and ok["latex"].startswith(r"\sum_{t=1}^{T}")
    bad = running.client.post("/preview", data={"csrf": token, "q": "q1", "answer": "sum_t dL_dh[t] @ h[t-1"}).json()
    assert not bad["ok"] and bad["message"].startswith("column 19:")


def test_a_form_without_its_csrf_token_is_refused_and_not_stored(running):
    before = len(wait_graded(running.client, running.token, 0))
    running.client.get("/q/q1")  # the cookie alone is not enough
    for token in ("", "0" * 64):
        r = running.client.post("/q/q1", data={"csrf": token, "student": "eve", "answer": "W_hh"})
        assert r.status_code == 403
    other = httpx.post(running.base + "/q/q1", data={"csrf": csrf(running.client.get("/q/q1").text),
                                                     "student": "eve", "answer": "W_hh"})  # no cookie: another site
    assert other.status_code == 403
    assert len(wait_graded(running.client, running.token, 0)) == before


def test_the_export_is_the_grade_csv_behind_the_token(running):
    assert running.client.get("/export/results.csv").status_code == 403
    assert running.client.get("/export/results.csv", params={"token": running.token[:-1] + "x"}).status_code == 403
    _submit(running, "q1", "=cmd|' /C calc'!A0", "W_hh")
    r = running.client.get("/export/results.csv", params={"token": running.token})
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(r.text.removeprefix("\ufeff"))))
    assert tuple(rows[0])[: len(OUT_FIELDS)] == OUT_FIELDS
    assert any(row["id"] == "'=cmd|' /C calc'!A0" for row in rows)  # neutralised as symrnn grade does
    md = running.client.get("/export/summary.md", params={"token": running.token}).text
    assert md.startswith("# Class summary") and "| status | correct |" in md
    png = running.client.get("/export/chart.png", params={"token": running.token}).content
    assert png.startswith(b"\x89PNG")


def test_every_submission_is_in_the_database_graded_once(running):
    _submit(running, "q1", "bo", "W_hh")
    wait_graded(running.client, running.token, 0)
    with sqlite3.connect(running.db) as db:
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
        counts = db.execute("SELECT status, graded, COUNT(*) FROM submissions GROUP BY status, graded").fetchall()
    assert mode == "wal"
    assert counts and all(status == "graded" and graded == 1 for status, graded, _ in counts)


def test_a_missing_student_id_is_asked_for_and_nothing_is_stored(running):
    before = len(wait_graded(running.client, running.token, 0))
    r = _submit(running, "q1", "", "W_hh")
    assert r.status_code == 400 and "give your student id" in r.text
    assert len(wait_graded(running.client, running.token, 0)) == before

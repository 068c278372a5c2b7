"""``symrnn serve`` in a real browser: Debian's chromium driven by Playwright (no downloaded browser).

A student opens a question, types an answer, sees the preview (MathML made on the server), submits
and reads the verdict; a wrong answer shows its mistake and counterexample. Screenshots are
written to ``$SYMRNN_SCREENSHOTS`` (default: the test's temporary directory) to be looked at.
The test is skipped, saying exactly what is missing, only when there is no chromium or no
Playwright (``bash scripts/install.sh --test`` installs both).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.test_serve_support import server

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
                 if p and os.path.exists(p)), None)
if CHROMIUM is None:
    pytest.skip("no chromium executable (Debian package 'chromium'; bash scripts/install.sh --test installs it)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip package 'playwright' is not installed")


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    where = Path(os.environ.get("SYMRNN_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    with server(tmp, "rnn-linear", "--grad", "W_hh", "--grad", "h", "--db", str(tmp / "b.sqlite"), "--workers", "1",
                "--rate-limit", "1000") as s, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(viewport={"width": 1000, "height": 900})
            p = context.new_page()
            p.base = s.base
            p.errors = []
            p.on("pageerror", lambda err: p.errors.append(str(err)))
            p.on("console", lambda msg: p.errors.append(msg.text) if msg.type == "error" else None)
            yield p
        finally:
            browser.close()


def test_a_student_types_sees_the_preview_submits_and_reads_the_verdict(page, shots):
    page.goto(page.base + "/")
    page.click("text=W_hh")
    page.fill("#student", "ana")
    page.locator("#answer").press_sequentially(r"\sum_{t=1}^{T} \frac{\partial L}{\partial h_t} h_{t-1}^\top", delay=5)
    page.wait_for_selector("#preview.ok math", timeout=20000)
    assert page.locator("#preview math mfrac").count() >= 1  # the fraction, laid out as MathML
    page.screenshot(path=str(shots / "1-preview.png"), full_page=True)
    page.click("#submit")
    page.wait_for_selector("#verdict", timeout=60000)
    assert page.locator("#verdict").inner_text() == "Verdict: correct"
    page.screenshot(path=str(shots / "2-correct.png"), full_page=True)
    assert not page.errors, page.errors


def test_an_unreadable_answer_previews_its_column_and_a_wrong_one_its_mistake(page, shots):
    page.goto(page.base + "/q/q2")
    page.fill("#student", "bo")
    page.locator("#answer").press_sequentially("W_qh.T @ dL_do[t", delay=5)
    page.wait_for_selector("#preview.problem", timeout=20000)
    assert "is never closed" in page.locator("#preview").inner_text()
    page.screenshot(path=str(shots / "3-unreadable.png"), full_page=True)
    page.locator("#answer").press_sequentially("]", delay=5)
    page.wait_for_selector("#preview.ok math", timeout=20000)
    page.click("#submit")
    page.wait_for_selector("#verdict", timeout=60000)
    assert page.locator("#verdict").inner_text() == "Verdict: wrong"
    assert "Recurrent term missing" in page.locator(".mistake").inner_text()
    assert "expected h at t = 1" in page.locator("#counterexample").inner_text()
    page.screenshot(path=str(shots / "4-wrong.png"), full_page=True)
    assert not page.errors, page.errors


def test_markup_typed_by_a_student_is_shown_as_text(page):
    page.goto(page.base + "/q/q1")
    page.fill("#student", "<img src=x onerror=alert(1)>")
    page.fill("#answer", "<script>document.title='pwned'</script>")
    page.click("#submit")
    page.wait_for_selector("#verdict", timeout=60000)
    assert page.locator("#your-answer").inner_text() == "<script>document.title='pwned'</script>"
    assert page.title() != "pwned" and page.locator("img").count() == 0

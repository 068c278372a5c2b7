"""Helpers for the tests of ``symrnn serve`` (no tests here): a real server in a subprocess."""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

START_SECONDS = 120.0


@dataclass
class Running:
    base: str
    token: str
    process: subprocess.Popen
    out_path: str

    def output(self) -> str:
        with open(self.out_path, encoding="utf-8") as fh:
            return fh.read()


def command(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from symrnn.cli import main; sys.exit(main())", "serve", *args]


@contextlib.contextmanager
def server(tmp_path, *args: str):
    """``symrnn serve ARGS --port 0`` running until the block ends (then stopped with SIGTERM)."""
    out_path = str(tmp_path / f"serve-{time.monotonic_ns()}.out")
    with open(out_path, "w", encoding="utf-8") as out:
        process = subprocess.Popen(command(*args, "--port", "0"), stdout=out, stderr=subprocess.STDOUT)
    try:
        running = _wait_ready(process, out_path)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _wait_ready(process: subprocess.Popen, out_path: str) -> Running:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        with open(out_path, encoding="utf-8") as fh:
            text = fh.read()
        found = re.search(r"token=(\S+)", text)
        base = re.search(r"questions at (http://\S+?)/\n", text)
        if found and base and "submissions in" in text:
            return Running(base.group(1), found.group(1), process, out_path)
        if process.poll() is not None:
            raise AssertionError(f"symrnn serve exited with {process.returncode}:\n{text}")
        time.sleep(0.1)
    raise AssertionError("symrnn serve did not start in time")


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def wait_graded(client, token: str, answer_ids, seconds: float = 120.0) -> list[dict]:
    """The export's rows once none of them is pending."""
    import csv
    import io

    deadline = time.monotonic() + seconds
    while True:
        text = client.get("/export/results.csv", params={"token": token}).text.removeprefix("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text)))
        if all(r["status"] != "pending" for r in rows) and len(rows) >= answer_ids:
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"still pending: {[r for r in rows if r['status'] == 'pending'][:3]}")
        time.sleep(0.2)

"""The torch-test policy itself: skip with a reason locally, fail in CI, when torch is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

PROBE = """
import sys
sys.modules["torch"] = None  # as if torch were not installed
sys.path.insert(0, {here!r})
import pytest
from codegen_support import torch_or_fail
try:
    torch_or_fail()
except ImportError:
    print("failed")
except pytest.skip.Exception:
    print("skipped")
"""


def _probe(ci: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "1"
    result = subprocess.run([sys.executable, "-c", PROBE.format(here=str(HERE))], capture_output=True, text=True,
                            env=env, check=True)
    return result.stdout.strip()


def test_missing_torch_fails_in_ci():
    assert _probe(ci=True) == "failed"


def test_missing_torch_skips_locally():
    assert _probe(ci=False) == "skipped"

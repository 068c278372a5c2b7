"""The documentation cites only files the repository contains."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITED = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[A-Z][A-Z_-]+\.md)\b")


def _texts():
    for folder in ("docs", "symrnn", "benchmarks", "tests"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".md", ".py", ".j2") and path.is_file() and path.name != "test_docs.py":
                yield path
    yield ROOT / "README.md"


def test_every_cited_markdown_file_exists():
    missing = []
    for path in _texts():
        for name in CITED.findall(path.read_text(encoding="utf-8")):
            candidates = [ROOT / name, path.parent / name, ROOT / "docs" / name]
            if not any(c.is_file() for c in candidates):
                missing.append(f"{path.relative_to(ROOT)} cites {name}")
    assert not missing, missing


def test_no_internal_briefs_in_the_user_documentation():
    assert not (ROOT / "docs" / "HELPER" "_BRIEF.md").exists()

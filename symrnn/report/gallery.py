"""Regenerate the gallery: the report of every catalogue network, as PDF and Markdown.

    python -m symrnn.report.gallery            # writes reports/ (run from the repository root)
    python -m symrnn.report.gallery -o DIR --no-tests

Each network gets ``<name>.pdf``, ``<name>.md`` and the Markdown's PNG figures, with the
element-level proof and the tests of the generated code run for it (both can be skipped, and the
reports then say so). ``README.md`` indexes them. Output is deterministic: the same sources give
the same bytes (no dates in the PDFs or figures).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import catalogue
from ..derive import derive
from . import collect, write_report

COMMAND = "python -m symrnn.report.gallery"


def _index(rows: list[tuple[str, str, int]]) -> str:
    lines = [
        "# Gallery of derivation reports",
        "",
        "The derivation report of every network in symrnn's catalogue, generated from the derivation",
        "(equations printed from the matrix-level derivation, each with its verification status).",
        f"Regenerate all of them with `{COMMAND}` (or `symrnn report --all -o reports` for the PDFs only).",
        "",
        "| network | title | PDF | Markdown |",
        "| --- | --- | --- | --- |",
    ]
    for name, title, steps in rows:
        lines.append(f"| `{name}` | {title} | [{name}.pdf]({name}.pdf) | [{name}.md]({name}.md) |")
    lines.append("")
    return "\n".join(lines)


def regenerate(out: Path, proof: bool = True, tests: bool = True, names: tuple[str, ...] | None = None) -> int:
    """Write every report into ``out``; returns the number of failures."""
    out.mkdir(parents=True, exist_ok=True)
    failures = 0
    rows = []
    for name in names or catalogue.names():
        spec = catalogue.load(name)
        derivation = derive(spec)
        trust = collect(derivation, proof=proof, tests=tests)
        pdf = write_report(derivation, out, "pdf", trust)
        if not pdf.ok:
            print(f"{name}: PDF FAILED: {pdf.build.summary()}", file=sys.stderr)
            failures += 1
        write_report(derivation, out, "md", trust)
        rows.append((name, spec.title.replace("|", "/"), derivation.steps))
        print(f"{name}: {'ok' if pdf.ok else 'FAILED'}", flush=True)
    (out / "README.md").write_text(_index(rows), encoding="utf-8")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="reports", help="directory (default: reports)")
    parser.add_argument("--no-proof", action="store_true", help="skip the element-level proofs")
    parser.add_argument("--no-tests", action="store_true", help="skip testing the generated code")
    args = parser.parse_args(argv)
    return 1 if regenerate(Path(args.output), not args.no_proof, not args.no_tests) else 0


if __name__ == "__main__":
    sys.exit(main())

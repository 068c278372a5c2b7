"""Regenerate the gallery: the report of every catalogue network, as PDF and Markdown.

    python -m symrnn.report.gallery            # writes reports/ (run from the repository root)
    python -m symrnn.report.gallery -o DIR --no-tests
    python -m symrnn.report.gallery --check    # regenerate elsewhere, fail if reports/ is stale

Each network gets ``<name>.pdf``, ``<name>.md`` and the Markdown's PNG figures, with the
element-level proof and the tests of the generated code run for it (both can be skipped, and the
reports then say so). ``README.md`` indexes them. Output is deterministic: the same sources give
the same bytes (no dates in the PDFs or figures).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
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
        f"Regenerate all of them with `{COMMAND}` (or `symrnn report --all -o reports` for the PDFs only);",
        f"`{COMMAND} --check` fails when this directory is out of date.",
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


def stale(existing: Path, proof: bool = True, tests: bool = True) -> list[str]:
    """Regenerate into a temporary directory; the files of ``existing`` that differ or are missing."""
    with tempfile.TemporaryDirectory(prefix="symrnn-gallery-") as tmp:
        fresh = Path(tmp)
        if regenerate(fresh, proof, tests):
            return ["(the regeneration itself failed)"]
        names = sorted({p.name for p in fresh.iterdir()} | {p.name for p in existing.iterdir() if p.is_file()})
        return [n for n in names if not (existing / n).is_file() or not (fresh / n).is_file()
                or (existing / n).read_bytes() != (fresh / n).read_bytes()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="reports", help="directory (default: reports)")
    parser.add_argument("--no-proof", action="store_true", help="skip the element-level proofs")
    parser.add_argument("--no-tests", action="store_true", help="skip testing the generated code")
    parser.add_argument("--check", action="store_true", help="do not write: fail when the directory is stale")
    args = parser.parse_args(argv)
    if args.check:
        differ = stale(Path(args.output), not args.no_proof, not args.no_tests)
        for name in differ:
            print(f"stale: {name}", file=sys.stderr)
        if differ:
            print(f"the gallery is out of date; regenerate it with {COMMAND}", file=sys.stderr)
        return 1 if differ else 0
    return 1 if regenerate(Path(args.output), not args.no_proof, not args.no_tests) else 0


if __name__ == "__main__":
    sys.exit(main())

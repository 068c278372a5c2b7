"""Regenerate the gallery: the report of every catalogue network, as PDF and Markdown.

    python -m symrnn.report.gallery            # writes reports/ (run from the repository root)
    python -m symrnn.report.gallery -o DIR --no-tests
    python -m symrnn.report.gallery --check    # regenerate elsewhere, fail if reports/ is stale

Each network gets ``<name>.pdf`` with its LaTeX source ``<name>.tex``, ``<name>.md`` with the
Markdown's PNG figures, and beside each figure ``<name>-<figure>.json``, the data it plots
(series, axis labels, caption, log scales; :func:`symrnn.report.figures.plot_json`). The element-level
proof and the tests of the generated code run for each report (both can be skipped, and the
reports then say so). ``README.md`` indexes them.

``--check`` (and ``tests/test_gallery.py``) regenerates into a temporary directory and judges what
symrnn decides, not what a library version renders:

* compared byte for byte: every ``.tex`` (the source of each PDF), every ``.md`` (the reports and
  the index ``README.md``) and every figure's ``.json``;
* checked for presence and form only: ``.pdf`` (``%PDF-`` ... ``%%EOF``) and ``.png`` (PNG
  signature, ``IHDR`` first, ``IEND`` last). Their bytes change with the TeX Live and matplotlib
  versions, so comparing them would call a correct gallery stale on every fresh install;
* every PDF build of the regeneration must succeed;
* a file of reports/ that the regeneration does not make, or one it makes that reports/ lacks, is
  stale.

The sources are deterministic: the same code gives the same ``.tex``, ``.md`` and ``.json`` bytes
(no dates; numbers in the JSON rounded, see :data:`symrnn.report.figures.SIGNIFICANT_DIGITS`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..core import catalogue
from ..core.derive import derive
from . import collect, write_report

COMMAND = "python -m symrnn.report.gallery"


def _looks_like_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]


def _looks_like_png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and data[-8:-4] == b"IEND"


RENDERED: dict[str, Callable[[bytes], bool]] = {".pdf": _looks_like_pdf, ".png": _looks_like_png}
"""Suffixes whose bytes depend on TeX Live or matplotlib: checked for presence and form, not compared.
Every other file (``.tex``, ``.md``, ``.json``) is what symrnn decides, and is compared byte for byte."""


def _index(rows: list[tuple[str, str, int]]) -> str:
    lines = [
        "# Gallery of derivation reports",
        "",
        "The derivation report of every network in symrnn's catalogue, generated from the derivation",
        "(equations printed from the matrix-level derivation, each with its verification status).",
        f"Regenerate all of them with `{COMMAND}` (or `symrnn report --all -o reports` for the PDFs only);",
        f"`{COMMAND} --check` fails when this directory is out of date.",
        "It compares the LaTeX sources (`.tex`), the Markdown and the data of each figure (`.json`) byte for byte;",
        "the PDFs and PNGs only have to be there, since their bytes depend on the TeX Live and matplotlib versions.",
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
        pdf = write_report(derivation, out, "pdf", trust, keep_tex=True)
        if not pdf.ok:
            print(f"{name}: PDF FAILED: {pdf.build.summary()}", file=sys.stderr)
            failures += 1
        write_report(derivation, out, "md", trust)
        rows.append((name, spec.title.replace("|", "/"), derivation.steps))
        print(f"{name}: {'ok' if pdf.ok else 'FAILED'}", flush=True)
    (out / "README.md").write_text(_index(rows), encoding="utf-8")
    return failures


def _problem(old: Path, new: Path) -> str | None:
    """Why ``old`` (in the gallery) is not what the regeneration made as ``new``; ``None`` if it is."""
    if not new.is_file():
        return "not made by the regeneration"
    if not old.is_file():
        return "missing"
    looks_right = RENDERED.get(new.suffix)
    if looks_right is not None:
        return None if looks_right(old.read_bytes()) else f"not a valid {new.suffix[1:].upper()} file"
    return None if old.read_bytes() == new.read_bytes() else "differs"


def compare(existing: Path, fresh: Path) -> dict[str, str]:
    """The files of ``existing`` that are stale against the regeneration ``fresh``, each with the reason.

    ``.pdf`` and ``.png`` need only exist and look valid; every other file must match byte for byte.
    """
    present = {p.name for p in existing.iterdir() if p.is_file()} if existing.is_dir() else set()
    names = sorted({p.name for p in fresh.iterdir() if p.is_file()} | present)
    problems = {name: _problem(existing / name, fresh / name) for name in names}
    return {name: why for name, why in problems.items() if why is not None}


def stale(existing: Path, proof: bool = True, tests: bool = True) -> dict[str, str]:
    """Regenerate into a temporary directory; the files of ``existing`` that are stale, with the reason."""
    with tempfile.TemporaryDirectory(prefix="symrnn-gallery-") as tmp:
        fresh = Path(tmp)
        if regenerate(fresh, proof, tests):
            return {"(the regeneration itself)": "a PDF build failed"}
        return compare(existing, fresh)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="reports", help="directory (default: reports)")
    parser.add_argument("--no-proof", action="store_true", help="skip the element-level proofs")
    parser.add_argument("--no-tests", action="store_true", help="skip testing the generated code")
    parser.add_argument("--check", action="store_true", help="do not write: fail when the directory is stale")
    args = parser.parse_args(argv)
    if args.check:
        differ = stale(Path(args.output), not args.no_proof, not args.no_tests)
        for name, why in differ.items():
            print(f"stale: {name} ({why})", file=sys.stderr)
        if differ:
            print(f"the gallery is out of date; regenerate it with {COMMAND}", file=sys.stderr)
        return 1 if differ else 0
    return 1 if regenerate(Path(args.output), not args.no_proof, not args.no_tests) else 0


if __name__ == "__main__":
    sys.exit(main())

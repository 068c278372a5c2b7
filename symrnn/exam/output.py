"""Write an exam in the requested formats (the only module of ``symrnn.exam`` that touches files).

``tex``: ``exam.tex`` (student sheet) and ``exam-key.tex`` (the two-line key wrapper);
``pdf``: ``exam.pdf`` and ``exam-key.pdf`` built by :func:`symrnn.printing.latex_build.build_pdf`
(latexmk, no shell escape, paranoid file access, a time limit; without TeX the sources are
written with instructions); ``moodle``: ``exam-moodle.xml``; ``json``: ``exam.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..core.errors import SymrnnError
from ..i18n import _
from ..printing.latex import glyph_warning
from ..printing.latex_build import DEFAULT_TIMEOUT, LatexBuildError, build_pdf
from .exam import Exam
from .header import header
from .jsonout import render_json
from .moodle import render_moodle
from .tex import KEY_WRAPPER, SOURCE_NAME, render_tex

FORMATS = ("pdf", "tex", "moodle", "json")


def parse_formats(text: str) -> tuple[str, ...]:
    """``"pdf,moodle"`` -> ``("pdf", "moodle")``, in the order of :data:`FORMATS`."""
    asked = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in asked if f not in FORMATS]
    if unknown or not asked:
        raise SymrnnError(_("unknown --format {format}; choose from {formats} (comma-separated)").format(
            format=", ".join(unknown) or repr(text), formats=", ".join(FORMATS)))
    return tuple(f for f in FORMATS if f in asked)


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def write_exam(exam: Exam, out_dir: str | Path, formats: tuple[str, ...], timeout: float = DEFAULT_TIMEOUT,
               **head: str | None) -> list[str]:
    """Write the files; returns one line per file written (or per instruction when TeX is missing).

    ``head``: ``title``, ``course``, ``date`` and ``instructions`` of the sheet (:mod:`symrnn.exam.header`;
    checked before anything is written).
    """
    top = header(**head)
    if "tex" in formats or "pdf" in formats:
        for field, text in top.as_dict().items():
            warning = glyph_warning(f"--{field}", text)
            if warning:
                print(warning, file=sys.stderr)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    tex = render_tex(exam, top) if ("tex" in formats or "pdf" in formats) else ""
    if "tex" in formats:
        lines.append(_("wrote {path}").format(path=_write(out / SOURCE_NAME, tex)))
        lines.append(_("wrote {path}").format(path=_write(out / 'exam-key.tex', KEY_WRAPPER)))
    if "pdf" in formats:
        for name, source, files in (("exam.pdf", tex, {}), ("exam-key.pdf", KEY_WRAPPER, {SOURCE_NAME: tex})):
            result = build_pdf(source, out / name, files, timeout=timeout)
            if result.tex_missing:
                lines.append(result.message)
                continue
            if not result.ok:
                raise LatexBuildError(result)
            lines.append(_("wrote {path}").format(path=result.pdf))
    if "moodle" in formats:
        lines.append(_("wrote {path}").format(path=_write(out / 'exam-moodle.xml', render_moodle(exam))))
    if "json" in formats:
        lines.append(_("wrote {path}").format(path=_write(out / 'exam.json', render_json(exam, top))))
    return lines

"""Build a PDF from LaTeX source, safely and reproducibly (shared by reports and exams).

One call does everything::

    result = build_pdf(tex_source, "out/report.pdf", files={"fig.pdf": fig_bytes})
    if not result.ok:
        print(result.summary())

The source is compiled in a fresh temporary directory with

    latexmk -pdf -norc -no-shell-escape -interaction=nonstopmode -halt-on-error

under the environment ``openin_any=p openout_any=p`` (TeX may not read or write absolute paths,
parent directories or dot files: ``\\input{/etc/passwd}`` fails instead of reading the file),
``SOURCE_DATE_EPOCH=0 FORCE_SOURCE_DATE=1`` (no timestamps: the same source gives the same PDF)
and a time limit after which the whole process group is killed. ``-norc`` keeps latexmk from
running rc files it would otherwise pick up.

The log is read for LaTeX errors (lines starting with ``!``) and undefined references or
citations; :class:`BuildResult` reports them. When no TeX is installed, the ``.tex`` (and the
extra files) are written next to the requested PDF and :attr:`BuildResult.message` says how to
get a PDF from them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import SymrnnError

DEFAULT_TIMEOUT = 120.0
"""Seconds a build may take (all latexmk passes together) before it is killed."""

LATEXMK_ARGS = ("-pdf", "-norc", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error")

INSTALL_HINT = (
    "no TeX installation found (latexmk and pdflatex are needed). On Debian or Ubuntu: "
    "sudo apt-get install latexmk texlive-latex-base texlive-latex-recommended texlive-latex-extra"
)


class LatexBuildError(SymrnnError):
    """A LaTeX build failed: errors in the log, undefined references, or the time limit."""

    def __init__(self, result: BuildResult):
        self.result = result
        super().__init__(result.summary())


@dataclass(frozen=True)
class BuildResult:
    """What a build produced and what its log says.

    ``pdf`` is the written PDF (``None`` when nothing was built); ``tex`` the written source
    (only when no TeX was available, or ``keep_tex``); ``errors`` the ``!`` lines of the log with
    their context; ``undefined`` the undefined references and citations.
    """

    pdf: Path | None
    tex: Path | None
    log: str = ""
    errors: tuple[str, ...] = ()
    undefined: tuple[str, ...] = ()
    timed_out: bool = False
    tex_missing: bool = False
    message: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def ok(self) -> bool:
        return self.pdf is not None and not self.errors and not self.undefined and not self.timed_out

    def summary(self) -> str:
        if self.tex_missing:
            return self.message
        if self.timed_out:
            return self.message
        parts = []
        if self.errors:
            parts.append(f"{len(self.errors)} LaTeX error(s): " + " | ".join(self.errors[:3]))
        if self.undefined:
            parts.append(f"{len(self.undefined)} undefined reference(s): {', '.join(self.undefined[:5])}")
        if self.pdf is None and not parts:
            parts.append("latexmk produced no PDF")
        return "; ".join(parts) if parts else f"wrote {self.pdf}"


def tex_available() -> bool:
    """Whether ``latexmk`` and ``pdflatex`` are on the PATH."""
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


def build_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment TeX runs in: paranoid file access, fixed dates."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "openin_any": "p",
            "openout_any": "p",
            "shell_escape": "f",
            "SOURCE_DATE_EPOCH": "0",
            "FORCE_SOURCE_DATE": "1",
        }
    )
    return env


_ERROR_LINE = re.compile(r"^(?:!|[^:\n]+:\d+:) (.*)$")
_UNDEFINED = re.compile(r"LaTeX Warning: (?:Reference|Citation) [`']([^']*)' on page \S+ undefined")


def parse_log(log: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(errors, undefined)`` read from a pdfTeX log.

    An error is a line starting with ``!`` (or ``file:line:`` with ``-file-line-error``) followed
    by the ``l.<n>`` line that shows where; undefined references and citations are named once
    each, in order of first appearance.
    """
    lines = log.splitlines()
    errors = []
    for i, line in enumerate(lines):
        match = _ERROR_LINE.match(line)
        if not match or "==> Fatal error occurred" in line:
            continue
        where = next((ln.strip() for ln in lines[i + 1 : i + 8] if ln.startswith("l.")), "")
        errors.append(f"{line.strip()} {where}".strip())
    undefined = tuple(dict.fromkeys(_UNDEFINED.findall(log)))
    if not undefined and "There were undefined references" in log:
        undefined = ("(unnamed)",)
    return tuple(dict.fromkeys(errors)), undefined


def _write_sources(directory: Path, stem: str, tex_source: str, files: Mapping[str, bytes | str | Path]) -> Path:
    tex_path = directory / f"{stem}.tex"
    tex_path.write_text(tex_source, encoding="utf-8")
    for name, content in sorted(files.items()):
        if Path(name).name != name or name.startswith("."):
            raise ValueError(f"extra file names must be plain file names, got {name!r}")
        target = directory / name
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return tex_path


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[int | None, str]:
    """Run ``cmd`` in its own process group; on timeout kill the group. ``None`` status = timed out."""
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = proc.communicate()
        return None, out.decode("utf-8", "replace")


def build_pdf(
    tex_source: str,
    pdf_path: str | Path,
    files: Mapping[str, bytes | str | Path] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    keep_tex: bool = False,
    check: bool = False,
) -> BuildResult:
    """Compile ``tex_source`` into ``pdf_path``.

    ``files`` are extra files the source needs (figures), by plain file name. With ``keep_tex``
    the ``.tex`` is also written next to the PDF. With ``check`` a failed build raises
    :class:`LatexBuildError` instead of returning. Without TeX installed, the source and extra
    files are written next to ``pdf_path`` and the result's ``message`` says how to build it.
    """
    pdf_path = Path(pdf_path)
    files = dict(files or {})
    stem = pdf_path.stem
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    if not tex_available():
        tex_path = _write_sources(pdf_path.parent, stem, tex_source, files)
        message = (
            f"{INSTALL_HINT}. Wrote {tex_path}; to get the PDF run: cd {tex_path.parent} && "
            f"openin_any=p openout_any=p latexmk {' '.join(LATEXMK_ARGS)} {tex_path.name}"
        )
        result = BuildResult(None, tex_path, tex_missing=True, message=message)
        if check:
            raise LatexBuildError(result)
        return result

    with tempfile.TemporaryDirectory(prefix="symrnn-latex-") as tmp:
        workdir = Path(tmp)
        tex_path = _write_sources(workdir, stem, tex_source, files)
        env = build_environment()
        env["TEXMFOUTPUT"] = str(workdir)
        status, output = _run(["latexmk", *LATEXMK_ARGS, tex_path.name], workdir, env, timeout)
        log_path = workdir / f"{stem}.log"
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else output
        errors, undefined = parse_log(log)
        built = workdir / f"{stem}.pdf"
        timed_out = status is None
        if status not in (0, None) and not errors:
            errors = (f"latexmk exited with status {status}: {output.strip().splitlines()[-1] if output.strip() else ''}",)
        pdf_out = None
        if built.exists() and status == 0 and not errors:
            shutil.copyfile(built, pdf_path)
            pdf_out = pdf_path
        kept = None
        if keep_tex or pdf_out is None:
            kept = pdf_path.with_suffix(".tex")
            shutil.copyfile(tex_path, kept)
        message = f"LaTeX build of {stem} timed out after {timeout:g} s" if timed_out else ""
        result = BuildResult(pdf_out, kept, log, errors, undefined, timed_out, False, message)
    if check and not result.ok:
        raise LatexBuildError(result)
    return result


__all__ = ["BuildResult", "LatexBuildError", "build_environment", "build_pdf", "parse_log", "tex_available"]

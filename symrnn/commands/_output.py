"""Output files that never look complete unless they are: written aside, then moved into place.

A command that runs out of time or memory (:mod:`.budgets`), or fails half-way, leaves no
truncated file under the name a reader expects: files are written into a hidden staging folder
beside their destination (``.symrnn-partial-*``), moved in by ``os.replace`` (atomic on one file
system) when the command's work is done, and the folder is removed whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

STAGING: set[Path] = set()
"""Staging folders open now (the budget's watchdog removes them before it ends the program)."""


@contextlib.contextmanager
def staged(directory: str | Path):
    """A fresh staging folder inside ``directory``; on success its files move into ``directory``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".symrnn-partial-", dir=out))
    STAGING.add(tmp)
    try:
        yield tmp
        for path in sorted(tmp.iterdir()):
            os.replace(path, out / path.name)
    finally:
        STAGING.discard(tmp)
        shutil.rmtree(tmp, ignore_errors=True)


def moved(path: str | Path, tmp: Path, out: str | Path) -> Path:
    """Where a file written into staging folder ``tmp`` is once moved into ``out``."""
    path = Path(path)
    return Path(out) / path.name if path.parent == tmp else path


def unstaged(text: str, tmp: Path, out: str | Path) -> str:
    """``text`` (a message naming files) with the staging folder's name replaced by the destination's."""
    return text.replace(str(tmp), str(Path(out)))


def write_atomically(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file beside it and a rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent if str(path.parent) else ".")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # as an ordinary new file would be, not mkstemp's 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def discard_all() -> None:
    """Remove every open staging folder (the program is about to end)."""
    for tmp in list(STAGING):
        shutil.rmtree(tmp, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask

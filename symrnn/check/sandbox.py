"""Run a person's NumPy function in its own process, bounded, and bring back only what it returned.

``run_function(path, name, draws)`` writes the drawn inputs (never the expected gradients: the
caller computes those after the child has ended) to a private directory, starts
``sandbox_child.py`` with ``python -I`` and a minimal environment, and bounds it three ways:
CPU time (``RLIMIT_CPU``: SIGXCPU, then SIGKILL one second later), address space
(``RLIMIT_AS``), both set by the runner before it loads the file, and wall-clock time (the
whole process group is killed). Where bubblewrap works
(``bwrap``, Debian ``bubblewrap``), the child runs inside it with every namespace unshared (no
network), as an unprivileged user, and sees only read-only binds of the Python installation,
the runner, the person's file and the inputs, plus an empty output directory. Whether
bubblewrap works is probed at run time; when it does not, the result says so plainly
(``isolation: rlimits only (bubblewrap unavailable: ...)``).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..i18n import _
from . import limits

CHILD = Path(__file__).with_name("sandbox_child.py")
_RESULT_MAX = 1024 * 1024
"""Largest result.json read back (the layout of the arrays; the arrays are in outputs.npz)."""


@dataclass(frozen=True)
class Outcome:
    """What came back from the child: ``status`` ok | error | timeout, per draw ``{key: array}``
    and ``{key: why not an array}``, and how the child was isolated."""

    status: str
    message: str = ""
    draws: tuple = ()
    errors: tuple = ()
    isolation: str = ""
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


@functools.lru_cache(maxsize=1)
def bubblewrap() -> tuple[bool, str]:
    """``(usable, reason)``: whether ``bwrap`` can create its namespaces here (probed once)."""
    exe = shutil.which("bwrap")
    if exe is None:
        return False, "bwrap is not installed (Debian package bubblewrap)"
    try:
        proc = subprocess.run([exe, *_bwrap_args(()), sys.executable, "-I", "-c", "pass"], capture_output=True,
                              timeout=20, check=False, env=_environment(), stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as err:
        return False, f"bwrap did not start: {type(err).__name__}"
    if proc.returncode != 0:
        why = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return False, (why[-1][:200] if why else f"bwrap exited with status {proc.returncode}")
    return True, ""


def _python_roots() -> list[str]:
    """Directories the child's Python needs to see: the installation, the venv, NumPy's site."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))),
             os.path.dirname(os.path.dirname(os.path.abspath(np.__file__)))}
    kept: list[str] = []
    for root in sorted(roots, key=len):
        if os.path.isdir(root) and not any(root == k or root.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(root)
    return kept


def _bwrap_args(binds) -> list[str]:
    """bubblewrap's arguments: no namespace shared, no capability, read-only system and Python."""
    args = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", "65534", "--gid", "65534", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for path in ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin"):
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for root in _python_roots():
        if not root.startswith("/usr/"):
            args += ["--ro-bind", root, root]
    for mode, src in binds:
        args += [mode, src, src]
    return args


def _environment() -> dict:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # set here for correctness on some processors
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def _write_inputs(indir: Path, draws) -> None:
    store, manifest = {}, {"draws": []}
    for params, data in draws:
        entry = {"params": {}, "data": {}}
        for part, values in (("params", params), ("data", data)):
            for key, value in values.items():
                if isinstance(value, np.ndarray):
                    name = f"a{len(store)}"
                    store[name] = value
                    entry[part][key] = name
                else:
                    entry[part][key] = int(value)
        manifest["draws"].append(entry)
    np.savez(indir / "inputs.npz", **store)
    (indir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def isolation_note() -> str:
    ok, why = bubblewrap()
    if ok:
        return _("isolation: bubblewrap (no network, no other process, read-only view of Python and your file) + rlimits")
    return _("isolation: rlimits only (bubblewrap unavailable: {reason})").format(reason=why)


def run_function(path: Path, name: str, draws, cpu: float = limits.FUNCTION_CPU_SECONDS,
                 wall: float = limits.FUNCTION_WALL_SECONDS, memory: int = limits.FUNCTION_MEMORY) -> Outcome:
    """Call ``name`` of the file ``path`` on each ``(params, data)`` of ``draws`` in a child process."""
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="symrnn-fn-") as tmp:
        indir, outdir = Path(tmp, "in"), Path(tmp, "out")
        indir.mkdir()
        outdir.mkdir()
        _write_inputs(indir, draws)
        use_bwrap, _why = bubblewrap()
        cpu_s = max(1, int(np.ceil(cpu)))
        cmd = [sys.executable, "-I", str(CHILD), str(indir), str(outdir), str(path), name, str(cpu_s), str(memory)]
        if use_bwrap:
            os.chmod(outdir, 0o777)  # the child runs as nobody inside its namespace
            for d in (tmp, indir):
                os.chmod(d, 0o755)
            binds = [("--ro-bind", str(CHILD)), ("--ro-bind", str(path)), ("--ro-bind", str(indir)),
                     ("--bind", str(outdir))]
            cmd = [shutil.which("bwrap"), *_bwrap_args(binds), *cmd]
        start = time.monotonic()
        status, code = _supervise(cmd, wall)
        if use_bwrap and code is not None and code > 128:  # bwrap reports its child's signal as 128 + n
            code = 128 - code
        seconds = time.monotonic() - start
        outcome = _read_outcome(outdir, status, code, cpu_s, wall, memory)
    return Outcome(outcome.status, outcome.message, outcome.draws, outcome.errors, isolation_note(), seconds)


def _supervise(cmd: list[str], wall: float) -> tuple[str, int | None]:
    """Run ``cmd`` in its own process group; ``("done" | "wall", returncode)``."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=_environment(), cwd="/", start_new_session=True)
    try:
        return "done", proc.wait(timeout=wall)
    except subprocess.TimeoutExpired:
        return "wall", None
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything it started goes too
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()


def _read_outcome(outdir: Path, status: str, code: int | None, cpu: int, wall: float, memory: int) -> Outcome:
    if status == "wall":
        return Outcome("timeout", _("the function's process was killed after {seconds} s of wall-clock time").format(
            seconds=f"{wall:g}"))
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return Outcome("timeout", _("the function's process was killed at its CPU time limit ({seconds} s)").format(seconds=cpu))
    result_file = outdir / "result.json"
    if not result_file.is_file() or result_file.stat().st_size > _RESULT_MAX:
        how = (_("was killed by signal {signal}").format(signal=-code) if code is not None and code < 0
               else _("exited with status {status}").format(status=code))
        return Outcome("error", _("the function's process {how} without a result (sys.exit, a crash, or more than "
                                  "{size} MB of memory)").format(how=how, size=memory // 1024**2))
    try:
        result = json.loads(result_file.read_text(encoding="utf-8"))
        if result.get("status") != "ok":
            return Outcome("error", str(result.get("message", "the function failed"))[:400])
        arrays = np.load(outdir / "outputs.npz", allow_pickle=False)
        draws = tuple({str(k): np.asarray(arrays[str(v)], dtype=float) for k, v in d["arrays"].items()}
                      for d in result["draws"])
        errors = tuple({str(k): str(v)[:400] for k, v in d["errors"].items()} for d in result["draws"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        return Outcome("error", f"the function's process left an unreadable result ({type(err).__name__})")
    return Outcome("ok", draws=draws, errors=errors)

"""The machine a benchmark ran on, as one line printed beside its figures.

CPU model (``/proc/cpuinfo``), logical cores, the BLAS NumPy calls and the kernel it chose for
this CPU (threadpoolctl, which is what ``numpy.show_runtime()`` reports), and the versions of
Python, NumPy and (when importable) torch. A figure without this line belongs to no machine.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def blas() -> str:
    """``openblas 0.3.31 (Haswell kernel, pthreads)``, or why it is unknown."""
    import numpy  # noqa: F401 - loads the BLAS threadpoolctl inspects

    try:
        import threadpoolctl
    except ImportError:
        return "BLAS unknown (pip install threadpoolctl)"
    found = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
    if not found:
        return "no BLAS found"
    info = found[0]
    return f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture')} kernel, {info.get('threading_layer')})"


def versions() -> str:
    import numpy

    parts = [f"Python {platform.python_version()}", f"NumPy {numpy.__version__}"]
    try:
        import torch

        parts.append(f"torch {torch.__version__}")
    except ImportError:
        pass
    return ", ".join(parts)


def label() -> str:
    return f"{cpu_model()}, {os.cpu_count()} logical cores; {blas()}; {versions()}"

"""The child side of ``symrnn check --function``: run as a script, in its own process, never imported.

``python -I sandbox_child.py INDIR OUTDIR FILE NAME``: sets its own resource limits (the parent
sets them too, before this runs), reads the drawn inputs of ``INDIR/inputs.npz`` (no pickles) and
their layout from ``INDIR/manifest.json``, loads the person's ``FILE`` (its top-level code runs
here, under the limits), calls ``NAME(params, data)`` once per draw and writes what it returned,
converted to float64 arrays, to ``OUTDIR/outputs.npz`` with ``OUTDIR/result.json``.

It imports only the standard library and NumPy, never symrnn: the expected gradients are not in
this process (the parent computes them after this process has ended), nor is the tolerance.
"""

from __future__ import annotations

import json
import os
import sys

MAX_ELEMENTS = 10**7
"""Largest array the function may return for one gradient."""


def _limit(cpu: int, memory: int) -> None:
    import resource

    for which, value in ((resource.RLIMIT_CPU, (cpu, cpu + 1)), (resource.RLIMIT_AS, (memory, memory)),
                         (resource.RLIMIT_CORE, (0, 0)), (resource.RLIMIT_FSIZE, (MAX_ELEMENTS * 8 * 4,) * 2)):
        _soft, hard = resource.getrlimit(which)
        lo = value[0] if hard == resource.RLIM_INFINITY else min(value[0], hard)
        hi = value[1] if hard == resource.RLIM_INFINITY else min(value[1], hard)
        resource.setrlimit(which, (lo, hi))


def _short(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}"
    return text if len(text) <= 300 else text[:297] + "..."


def _load_inputs(indir: str):
    import numpy as np

    with open(os.path.join(indir, "manifest.json"), encoding="utf-8") as fh:
        manifest = json.load(fh)
    arrays = np.load(os.path.join(indir, "inputs.npz"), allow_pickle=False)
    draws = []
    for draw in manifest["draws"]:
        params = {k: arrays[v].copy() for k, v in draw["params"].items()}
        data = {k: (arrays[v].copy() if isinstance(v, str) else v) for k, v in draw["data"].items()}
        draws.append((params, data))
    return draws


def _load_function(path: str, name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location("symrnn_user_function", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = getattr(module, name, None)
    if not callable(fn):
        raise TypeError(f"the file has no function {name!r}")
    return fn


def _convert(got) -> tuple[dict, dict]:
    """``(arrays, errors)``: each returned gradient as float64, or why it is not one."""
    import numpy as np

    arrays, errors = {}, {}
    for key, value in list(got.items())[:1000]:
        if not isinstance(key, str) or len(key) > 100:
            continue
        try:
            array = np.array(value, dtype=np.float64)
            if array.size > MAX_ELEMENTS:
                raise ValueError(f"{array.size} elements")
            arrays[key] = array
        except BaseException as err:  # noqa: BLE001 - __array__ may raise anything: report it
            errors[key] = f"not an array of numbers ({_short(err)})"
    return arrays, errors


def _run(indir: str, outdir: str, path: str, name: str) -> dict:
    import numpy as np

    try:
        draws = _load_inputs(indir)
        fn = _load_function(path, name)
    except SystemExit as err:
        return {"status": "error", "message": f"loading the file called exit({err.code!r}) before any result"}
    except BaseException as err:  # noqa: BLE001 - the person's top-level code may raise anything
        return {"status": "error", "message": f"loading the file raised {_short(err)}"}
    results, store = [], {}
    for n, (params, data) in enumerate(draws):
        try:
            got = fn(params, data)
        except SystemExit as err:
            return {"status": "error", "message": f"the function called exit({err.code!r}) instead of returning"}
        except BaseException as err:  # noqa: BLE001 - the person's code may raise anything: report it
            return {"status": "error", "message": f"the function raised {_short(err)}"}
        if not isinstance(got, dict):
            return {"status": "error", "message": f"the function must return a dict of gradients, got {type(got).__name__}"}
        arrays, errors = _convert(got)
        names = {}
        for key, array in arrays.items():
            names[key] = f"d{n}_{len(store)}"
            store[names[key]] = array
        results.append({"arrays": names, "errors": errors})
    with open(os.path.join(outdir, "outputs.npz"), "wb") as fh:
        np.savez(fh, **store)
    return {"status": "ok", "draws": results}


def main(argv: list[str]) -> int:
    indir, outdir, path, name, cpu, memory = argv[1:7]
    _limit(int(cpu), int(memory))
    result = _run(indir, outdir, path, name)
    with open(os.path.join(outdir, "result.json"), "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    return 0


if __name__ == "__main__":
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]
    os._exit(main(sys.argv))

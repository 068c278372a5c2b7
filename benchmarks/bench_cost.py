"""Cost of every command: wall time and peak memory against the size of the network.

Run:  python -m benchmarks.bench_cost [--quick] [--json FILE] [--commands derive,verify,...]

Each run is a fresh ``python -m symrnn.cli`` subprocess with the command's default budget
(``--time-limit``, ``--memory-limit``: symrnn/commands/budgets.py); its wall time is measured
around it and its peak resident memory is the child's own (``os.wait4``'s ``ru_maxrss``; this
process stays small, since that count starts from the size of the process a child is forked from). The
networks are rnn (tanh, column notation), lstm and gru-torch (row notation, batch 2), swept one
axis at a time from hidden 16, 1 layer, T = 5: hidden size 2 .. 256, layers 1 .. 4, T 3 .. 20,
and the corner of issue 16 (hidden 256, 4 layers, T = 20); ``prove``, whose caps are far smaller,
over hidden 1 .. 4, layers 1 .. 2 and T 3 .. 6. ``exam`` is swept over its number of
versions instead. A status column says how a run ended: ``ok`` (0, or 1 for a verdict or a
check that was judged), ``refused`` (2 with a size limit's message, or a check's verdict that
refuses the spec), ``time`` or
``memory`` (2: the budget ran out) and ``error``. Every line names the load average when the run
began; the first line names the machine (:mod:`benchmarks.machine`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = ("derive", "prove", "verify", "report", "codegen", "check", "exam")
CELLS = {"rnn": "rnn", "lstm": "lstm", "gru": "gru-torch"}
GRAD = {"rnn": "W_hh", "lstm": "W_hi", "gru": "W_hr"}
BASE = (16, 1, 5)

SPEC = """name = "{name}"
network = "rnn"
cell = "{cell}"
{notation}
input_size = 2
hidden_size = {hidden}
output_size = 2
layers = {layers}
loss = "half_sq"
reduction = "mean"
shape = "many-to-many"
steps = {steps}
"""


def sizes(quick: bool, command: str = "") -> list[tuple[int, int, int]]:
    """(hidden, layers, T): one axis at a time from :data:`BASE`, then the corner (for prove, inside
    its own caps, hidden <= 4 and T <= 6: from hidden 2, 1 layer, T = 3)."""
    if command == "prove":
        return [(2, 1, 3), (4, 1, 3)] if quick else [(1, 1, 3), (2, 1, 3), (4, 1, 3), (2, 2, 3), (2, 1, 6), (4, 2, 6)]
    if quick:
        return [(2, 1, 3), (16, 1, 5), (16, 2, 5)]
    hidden, layers, steps = BASE
    points = [(h, layers, steps) for h in (2, 16, 64, 256)]
    points += [(hidden, n, steps) for n in (2, 4)]
    points += [(hidden, layers, t) for t in (3, 10, 20)]
    points.append((256, 4, 20))
    return list(dict.fromkeys(points))


def spec_text(kind: str, hidden: int, layers: int, steps: int) -> str:
    notation = 'notation = "column"\nactivation = "tanh"\nbias = true' if kind == "rnn" else 'notation = "row"\nbatch = 2'
    return SPEC.format(name=f"{kind}-{hidden}x{layers}-T{steps}", cell=CELLS[kind], notation=notation, hidden=hidden,
                       layers=layers, steps=steps)


def argv_of(command: str, kind: str, layers: int, spec: str, out: str) -> list[str]:
    return {
        "derive": ["derive", spec],
        "prove": ["prove", spec],
        "verify": ["verify", spec],
        "report": ["report", spec, "--format", "tex", "-o", out],
        "codegen": ["codegen", spec, "-o", os.path.join(out, "module.py")],
        "check": ["check", spec, "--grad", GRAD[kind] + ("_l1" if layers > 1 else ""), "--answer", "0"],
    }[command]


def run(argv: list[str], cwd: str) -> dict:
    """One command in a fresh process: exit status, how it ended, wall seconds, peak MiB."""
    load = os.getloadavg()[0]
    start = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, "-m", "symrnn.cli", *argv], cwd=cwd, stdout=out,
                                stderr=subprocess.PIPE, env={**os.environ, "SYMRNN_LANG": "en"})
        err = proc.stderr.read().decode("utf-8", "replace")
        _pid, status, usage = os.wait4(proc.pid, 0)
        out.seek(0)
        head = out.read(2000).decode("utf-8", "replace")
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - start
    return {"argv": argv, "status": proc.returncode, "ended": ended(proc.returncode, err, head), "seconds": round(seconds, 2),
            "peak_mib": round(usage.ru_maxrss / 1024, 1), "load": round(load, 2), "message": err.strip()[-300:]}


def ended(status: int, err: str, out: str = "") -> str:
    if status == 1 and "refused:" in out:  # a check's verdict that the spec is too large
        return "refused"
    if status in (0, 1):
        return "ok"
    if "time limit of" in err:
        return "time"
    if "memory limit of" in err:
        return "memory"
    if status == 2 and ("at most" in err or "<=" in err or "too large" in err or "limit" in err):
        return "refused"
    return "error"


def sweep(commands: tuple[str, ...], quick: bool) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="symrnn-cost-") as tmp:
        for command in commands:
            if command == "exam":
                for variants in ((1, 100) if quick else (1, 100, 1000)):
                    out = tempfile.mkdtemp(dir=tmp)
                    row = run(["exam", "--variants", str(variants), "--format", "json,tex", "-o", out], tmp)
                    rows.append({"command": "exam", "cell": "-", "variants": variants, **row})
                    show(rows[-1])
                continue
            for kind in CELLS:
                for hidden, layers, steps in sizes(quick, command):
                    spec = Path(tmp) / f"{kind}-{hidden}-{layers}-{steps}.toml"
                    spec.write_text(spec_text(kind, hidden, layers, steps), encoding="utf-8")
                    row = run(argv_of(command, kind, layers, str(spec), tempfile.mkdtemp(dir=tmp)), tmp)
                    rows.append({"command": command, "cell": kind, "hidden": hidden, "layers": layers, "T": steps, **row})
                    show(rows[-1])
    return rows


def show(row: dict) -> None:
    size = f"{row['variants']:>5} versions" if row["command"] == "exam" else (
        f"H={row['hidden']:<3} L={row['layers']} T={row['T']:<2}")
    print(f"{row['command']:8s} {row['cell']:5s} {size:18s} {row['ended']:8s} {row['seconds']:8.2f} s "
          f"{row['peak_mib']:8.1f} MiB  load {row['load']:.2f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="three small sizes and two exam sizes only")
    parser.add_argument("--json", metavar="FILE", help="also write every run as JSON here")
    parser.add_argument("--commands", default=",".join(COMMANDS), help=f"comma-separated, from {','.join(COMMANDS)}")
    args = parser.parse_args(argv)
    commands = tuple(c for c in args.commands.split(",") if c)
    unknown = [c for c in commands if c not in COMMANDS]
    if unknown:
        parser.error(f"unknown command {unknown[0]!r}")
    machine = subprocess.run([sys.executable, "-c", "from benchmarks.machine import label; print(label())"],
                             capture_output=True, text=True, check=True).stdout.strip()  # not here: a child's
    # peak memory (ru_maxrss) starts from the size of the process it was forked from
    print(f"machine: {machine}")
    print(f"{'command':8s} {'cell':5s} {'size':18s} {'ended':8s} {'wall':>10s} {'peak RSS':>12s}")
    rows = sweep(commands, args.quick)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine, "quick": args.quick, "runs": rows}, indent=1) + "\n",
                                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

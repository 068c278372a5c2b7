"""Every command's budget: wall-clock seconds (``--time-limit``) and memory (``--memory-limit``).

A command module sets ``TIME_LIMIT`` (its default seconds, measured with ``python -m
benchmarks.bench_cost``) to get both options; ``check`` keeps its own ``--time-limit`` and says
with ``budget_seconds(args)`` what the whole command may take (``grade``: only with
--total-time-limit). ``BOUNDED = False`` opts out (a server runs until stopped; its grading has
its own limits); ``MEMORY_OF_WORKERS = False`` leaves the worker processes out of the memory
count (``grade``'s workers have their own limit).

The time limit covers all of the command's work: it opens :func:`symrnn.core.budget.within`, so
the cooperative checkpoints in long loops (derivation, proof, exam versions) end the command
with the step named; a LaTeX build is given only what is left. A watchdog thread backs them up:
:data:`GRACE` seconds past the limit it kills every process the command started (LaTeX, worker
processes: killed, not waited for), and when the command is the program (not a call from Python)
and does not end within :data:`UNWIND` seconds more, it prints the message and exits with status 2.
The memory limit is on the resident memory of the command and the processes it starts: the
watchdog looks at it every :data:`POLL` seconds and treats it like the time limit; an address-space
cap (``RLIMIT_AS``, set only when the command is the program) stops an allocation too fast for the
watchdog with a ``MemoryError``. Each gives one line, a :class:`~symrnn.core.errors.LimitError`:
exit status 2, no traceback.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import threading
import time

from ..core import budget
from ..core.errors import LimitError
from ..i18n import _
from ._common import bounded
from ._output import discard_all
from ._seconds import seconds as seconds_type

MAX_SECONDS = 86_400.0
"""Largest --time-limit: a day."""

DEFAULT_MEMORY_MIB = 4096
"""Default --memory-limit, in MiB resident (the command and the processes it starts); the costliest
accepted run measured peaks well under it (benchmarks/README.md, "Cost of every command")."""

MIN_MEMORY_MIB, MAX_MEMORY_MIB = 256, 1_048_576
"""Python with NumPy, SymPy and torch is about 300 MiB resident; below 256 nothing starts."""

POLL = 0.5
"""Seconds between the watchdog's looks at the clock and at the memory."""

ADDRESS_FACTOR, ADDRESS_EXTRA_MIB = 2, 1024
"""The address-space cap (``RLIMIT_AS``): twice the memory limit and 1 GiB (torch maps about 700 MiB
of address space for 250 MiB resident; OpenBLAS exits the program when an allocation fails)."""

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

GRACE = 2.0
"""Seconds past the limit before the watchdog kills the command's processes."""

UNWIND = 1.0
"""Seconds after that for the command to end with its own message before the program exits."""

hard_exit = False
"""Set by the program's entry point: only then may the watchdog end the process."""


def register(parser: argparse.ArgumentParser, module) -> None:
    """Add ``--time-limit`` (when the module has a ``TIME_LIMIT``) and ``--memory-limit``."""
    if not getattr(module, "BOUNDED", True):
        return
    default = getattr(module, "TIME_LIMIT", None)
    if default is not None:
        parser.add_argument("--time-limit", type=seconds_type("--time-limit", 0, MAX_SECONDS), default=default, metavar="SECONDS",
                            help=_("wall-clock seconds for all of the command's work (default {seconds})").format(seconds=f"{default:g}"))
    parser.add_argument("--memory-limit", type=bounded("--memory-limit", MIN_MEMORY_MIB, MAX_MEMORY_MIB),
                        default=DEFAULT_MEMORY_MIB, metavar="MIB",
                        help=_("memory the command (with the processes it starts) may use, in MiB (default {mib})").format(mib=DEFAULT_MEMORY_MIB))


def bounded_run(module):
    """``module.run``, within the command's time and memory limits."""
    if not getattr(module, "BOUNDED", True):
        return module.run

    def run(args: argparse.Namespace) -> int:
        if hasattr(module, "budget_seconds"):
            seconds = module.budget_seconds(args)
        else:  # a --time-limit of the command's own (per answer, say) is not the command's budget
            seconds = args.time_limit if getattr(module, "TIME_LIMIT", None) is not None else None
        return run_within(module.NAME, module.run, args, seconds, getattr(args, "memory_limit", None),
                          tree=getattr(module, "MEMORY_OF_WORKERS", True))

    return run


def run_within(name: str, run, args, seconds: float | None, memory_mib: int | None, tree: bool = True) -> int:
    """``run(args)`` within ``seconds`` and ``memory_mib`` (counting the processes it starts with ``tree``)."""
    if hard_exit:  # a call from Python (a test, a notebook) keeps its process's own limits
        limit_memory(memory_mib)
    deadline = time.monotonic() + seconds if seconds is not None else None
    dog = Watchdog(name, seconds, deadline, memory_mib, tree)
    try:
        with budget.within(deadline):
            status = run(args)
    except budget.BudgetExceeded as err:
        dog.kill()
        raise out_of_time(name, seconds, err.step) from None
    except Exception as err:
        if not (starved(err) or dog.fired or (deadline is not None and time.monotonic() > deadline)):
            raise
        status = err  # out of memory, or a worker or LaTeX build the watchdog killed
    finally:
        dog.stop()
    if isinstance(status, BaseException) or dog.fired:  # ended, or went on without what the watchdog killed
        dog.kill()
        out_of_memory_now = dog.starved or (isinstance(status, BaseException) and starved(status))
        raise out_of_memory(name, memory_mib) if out_of_memory_now else out_of_time(name, seconds, None)
    return status


def out_of_time(name: str, seconds: float, step: str | None) -> LimitError:
    limit = f"{seconds:g}"
    if step:
        text = _("{command}: the time limit of {seconds} s ran out while {step}; raise it with --time-limit SECONDS").format(
            command=name, seconds=limit, step=step)
    else:
        text = _("{command}: the time limit of {seconds} s ran out; raise it with --time-limit SECONDS").format(
            command=name, seconds=limit)
    return budget.BudgetExceeded(text, step)


def out_of_memory(name: str, mib: int | None) -> LimitError:
    return LimitError(_("{command}: the memory limit of {mib} MiB ran out; raise it with --memory-limit MIB").format(
        command=name, mib=mib if mib is not None else "?"))


def limit_memory(mib: int | None) -> None:
    """Cap this process's address space (its children inherit the cap) well above ``mib`` MiB: the
    watchdog holds the resident memory to ``mib``; the cap stops an allocation too fast for it."""
    if not mib:
        return
    _warm_blas()
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = (ADDRESS_FACTOR * mib + ADDRESS_EXTRA_MIB) * 1024**2
        if (soft == resource.RLIM_INFINITY or cap < soft) and (hard == resource.RLIM_INFINITY or cap <= hard):
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on Linux
        pass


def _warm_blas() -> None:
    """Let OpenBLAS allocate its threads' buffers before the cap: past it, it prints "Memory
    allocation still failed" and exits the program instead of raising ``MemoryError``."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency
        return
    np.ones((256, 256)) @ np.ones((256, 256))


def starved(err: BaseException) -> bool:
    """Whether ``err`` says memory ran out (a library that could not be mapped, a process that could not start)."""
    return (isinstance(err, MemoryError) or (isinstance(err, OSError) and err.errno == errno.ENOMEM)
            or "Cannot allocate memory" in str(err) or "failed to map segment" in str(err))


class Watchdog:
    """Watches the command's clock and the resident memory of its processes, every :data:`POLL` seconds.

    :data:`GRACE` seconds past the time limit, or as soon as the memory is over its limit, it kills
    every process the command started; if the command has not ended :data:`UNWIND` seconds later
    (and is the program), it prints the message and exits with status 2."""

    def __init__(self, name: str, seconds: float | None, deadline: float | None, memory_mib: int | None, tree: bool = True):
        self.name, self.seconds, self.deadline, self.memory_mib, self.tree = name, seconds, deadline, memory_mib, tree
        self.started = _start_ticks(os.getpid(), now=True) - 1  # a child started in the same clock tick
        self.starved = self.fired = False
        self.messages = {False: str(out_of_time(name, seconds, None)) if seconds is not None else "",  # in the
                         True: str(out_of_memory(name, memory_mib))}  # command's language: a thread starts in English
        self.done = threading.Event()
        if seconds is None and not memory_mib:
            return
        self.thread = threading.Thread(target=self._watch, name="symrnn-budget", daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.done.wait(POLL):
            late = self.deadline is not None and time.monotonic() > self.deadline + GRACE
            since = self.started if self.tree else None
            self.starved = bool(self.memory_mib) and resident(os.getpid(), since) > self.memory_mib * 1024**2
            if late or self.starved:
                break
        else:
            return
        self.fired = True
        self.kill()
        if self.done.wait(UNWIND) or not hard_exit:
            return
        discard_all()
        sys.stdout.flush()
        sys.stderr.write("symrnn: error: " + self.messages[self.starved] + "\n")
        sys.stderr.flush()
        os._exit(2)

    def kill(self) -> None:
        """SIGKILL every process this one started since the command began (the whole tree first)."""
        for pid in descendants(os.getpid(), self.started):
            try:
                os.kill(pid, 9)
            except OSError:
                pass

    def stop(self) -> None:
        self.done.set()


def resident(root: int, since: int | None = 0) -> int:
    """Resident bytes of ``root`` and of the processes below it started since ``since`` (None: ``root`` alone)."""
    total = 0
    for pid in (root, *(descendants(root, since) if since is not None else ())):
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            pass
    return total


def descendants(root: int, since: int = 0) -> list[int]:
    """Processes below ``root`` (Linux ``/proc``) started at or after ``since`` (clock ticks after boot)."""
    found, todo = [], [root]
    children = _children if os.path.exists(f"/proc/{root}/task/{root}/children") else _children_by_scan()
    while todo:
        for pid in children(todo.pop()):
            todo.append(pid)
            if _start_ticks(pid) >= since:
                found.append(pid)
    return found


def _children(pid: int) -> list[int]:
    """``pid``'s children, from each of its threads' ``children`` file (cheap: no scan of ``/proc``)."""
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                out += [int(c) for c in fh.read().split()]
    except (OSError, ValueError):
        pass
    return out


def _children_by_scan():
    """Where the kernel keeps no ``children`` files: every process's parent, read once."""
    table: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:  # pragma: no cover - not on Linux
        entries = []
    for entry in entries:
        stat = _stat(int(entry)) if entry.isdigit() else None
        if stat:
            table.setdefault(int(stat[1]), []).append(int(entry))
    return lambda pid: table.get(pid, [])


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name: state, ppid, ..."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return None
    return text[text.rfind(")") + 2:].split()


def _start_ticks(pid: int, now: bool = False) -> int:
    """When ``pid`` started, in clock ticks after boot (with ``now``: the present moment, for a command's start)."""
    if now:
        try:
            with open("/proc/uptime", encoding="ascii") as fh:
                return int(float(fh.read().split()[0]) * os.sysconf("SC_CLK_TCK"))
        except (OSError, ValueError):  # pragma: no cover - not on Linux
            return 0
    stat = _stat(pid)
    return int(stat[19]) if stat and len(stat) > 19 else 0

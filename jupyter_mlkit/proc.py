"""CPU priority of background processes (job workers, spot training children).

Background work runs in sessions of its own (so a signal reaches its whole tree). Where the kernel
groups CPU time by session (Linux sched_autogroup), a process's nice value only ranks it inside
its own group, and a new session starts a new group at nice 0: the group's nice must be lowered
too, or a niced background job still gets as much CPU as the Jupyter server and the kernels.

``python -m jupyter_mlkit.proc NICENESS -- COMMAND ...`` lowers its priority and then executes
COMMAND in its place, so a child started with ``start_new_session=True`` is niced before it
runs a single line of its own (no ``preexec_fn``, which is unsafe in a threaded parent).
"""

from __future__ import annotations

import os
import sys

NICENESS_ENV = "MLKIT_NICENESS"


def lower_priority(niceness: int) -> None:
    """Raise this process's nice value to at least ``niceness``, and its autogroup's to it.

    Idempotent (a process that inherited a higher nice keeps it), so every process of a tree can
    call it. Never raises: where it is not possible the process simply runs at its priority.
    """
    if niceness <= 0:
        return
    try:
        current = os.getpriority(os.PRIO_PROCESS, 0)
        if current < niceness:
            os.setpriority(os.PRIO_PROCESS, 0, niceness)
    except (AttributeError, OSError):  # not POSIX, or not permitted
        pass
    try:
        with open("/proc/self/autogroup", "w") as fh:
            fh.write(str(niceness))
    except OSError:  # not Linux, autogroup off, or not permitted: the plain nice still applies
        pass


def lower_priority_from_env() -> None:
    """Apply :data:`NICENESS_ENV` if set (processes started in new sessions by a niced parent)."""
    try:
        niceness = int(os.environ.get(NICENESS_ENV, "0") or 0)
    except ValueError:
        return
    lower_priority(niceness)


def niced_command(command: list[str], niceness: int) -> list[str]:
    """``command`` wrapped so that it starts with lowered priority (unchanged if niceness <= 0)."""
    if niceness <= 0:
        return list(command)
    return [sys.executable, "-m", "jupyter_mlkit.proc", str(niceness), "--", *command]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 3 or args[1] != "--":
        print("usage: python -m jupyter_mlkit.proc NICENESS -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    lower_priority(int(args[0]))
    try:
        os.execvp(args[2], args[2:])
    except OSError as exc:
        print(f"cannot run {args[2]!r}: {exc}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(main())

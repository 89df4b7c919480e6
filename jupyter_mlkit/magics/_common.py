"""What the capability magics share: argument parsing that never leaves the kernel, messages,
and names that may be a variable of the user's namespace or a path."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


class UsageError(Exception):
    """The magic's line is wrong; shown with the magic's usage text."""


class Parser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` instead of exiting (no SystemExit in a kernel)."""

    def error(self, message: str):
        raise UsageError(message)


def say(message: str) -> None:
    print(message, file=sys.stderr)


def resolve(shell: Any, name: str) -> Any:
    """A variable of the user's namespace by that name, else a path (relative to the cwd)."""
    ns = shell.user_ns if shell is not None else {}
    if name in ns:
        return ns[name]
    if name.isidentifier() and not os.path.exists(name):
        raise UsageError(f"no variable or file named '{name}'")
    return name

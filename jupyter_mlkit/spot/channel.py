"""The JSON-lines channel between a training script and its supervisor.

The Checkpointer appends one JSON object per line (metrics from ``ckpt.log``, and events: ready,
save_start, save_done, save_failed, restore, skip, notice, finish). The supervisor tails the file.
A file (opened with O_APPEND) rather than a pipe keeps working across torchrun ranks and restarts.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

CHANNEL_ENV = "MLKIT_SPOT_CHANNEL"


class ChannelWriter:
    def __init__(self, path: str | None):
        self.path = path
        self._lock = threading.Lock()
        self._fd: int | None = None
        if path:
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def emit(self, kind: str, **fields: Any) -> dict[str, Any]:
        record = {"type": kind, "time": time.time(), "pid": os.getpid(), **fields}
        if self._fd is not None:
            line = (json.dumps(record, default=str) + "\n").encode()
            with self._lock:
                os.write(self._fd, line)  # one write per line: appends never interleave
        return record

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class ChannelReader:
    """Tails a channel file in a daemon thread, calling ``on_record`` for each complete line."""

    def __init__(
        self, path: str, on_record: Callable[[dict[str, Any]], None], poll_s: float = 0.002
    ):
        self.path = path
        self.on_record = on_record
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._offset = 0
        self._buf = b""
        self._drain_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="spot-channel", daemon=True)

    def start(self) -> ChannelReader:
        self._thread.start()
        return self

    def drain(self) -> None:
        """Read whatever is in the file now (from the reader thread, or any thread to catch up)."""
        with self._drain_lock:
            self._drain()

    def _drain(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self._offset)
                data = fh.read()
        except FileNotFoundError:
            return
        self._offset += len(data)
        self._buf += data
        *lines, self._buf = self._buf.split(b"\n")
        for line in lines:
            if line.strip():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a line cut by SIGKILL mid-write is dropped
                self.on_record(record)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.drain()
            self._stop.wait(self.poll_s)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.drain()

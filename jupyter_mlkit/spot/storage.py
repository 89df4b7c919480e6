"""Where checkpoints live: a local folder or an S3 prefix, with the same atomic protocol.

A checkpoint is a folder ``step-0000000123/`` holding data files and ``MANIFEST.json``. The
manifest lists the sha256 and size of every data file and is written LAST, so a checkpoint counts
only when its manifest exists and every file matches it. A torn write (process killed mid-save)
or a corrupted file is therefore skipped for the previous checkpoint, never loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

MANIFEST = "MANIFEST.json"
PREFIX = "step-"
FORMAT_VERSION = 1
# Test hook: seconds to sleep after each data file and before the manifest, so a chaos test can
# land a SIGKILL inside a checkpoint write deterministically. Unset in normal use.
WRITE_DELAY_ENV = "MLKIT_SPOT_TEST_WRITE_DELAY_S"


class CheckpointError(RuntimeError):
    """Base class of the checkpoint errors a user can cause or meet."""


class CheckpointStorageError(CheckpointError):
    """The checkpoint location cannot be used (unreachable, unauthorised, not a folder...)."""


class CheckpointSaveError(CheckpointError):
    """A save did not complete; the checkpoint was not recorded as saved."""


def ckpt_name(step: int) -> str:
    return f"{PREFIX}{step:010d}"


def parse_step(name: str) -> int | None:
    if not name.startswith(PREFIX):
        return None
    digits = name[len(PREFIX) :]
    return int(digits) if digits.isdigit() else None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_manifest(step: int, files: dict[str, bytes], meta: dict[str, Any]) -> bytes:
    doc = {
        "format": FORMAT_VERSION,
        "step": step,
        "created": time.time(),
        "files": {name: {"sha256": sha256(b), "size": len(b)} for name, b in files.items()},
        "meta": meta,
    }
    return json.dumps(doc, indent=1, sort_keys=True).encode()


@dataclass
class Candidate:
    """What a restore found at one checkpoint folder, valid or not."""

    name: str
    step: int
    valid: bool
    reason: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


def verify(name: str, step: int, manifest: bytes | None, read: Callable[[str], bytes | None]):
    """Check one checkpoint against its manifest; returns a :class:`Candidate`."""
    if manifest is None:
        return Candidate(name, step, False, "no manifest (torn or in-progress write)")
    try:
        doc = json.loads(manifest)
        listed = doc["files"]
    except (ValueError, KeyError, TypeError) as exc:
        return Candidate(name, step, False, f"unreadable manifest: {exc}")
    if doc.get("step") != step:
        return Candidate(name, step, False, f"manifest step {doc.get('step')} != folder {step}")
    files: dict[str, bytes] = {}
    for fname, info in listed.items():
        data = read(fname)
        if data is None:
            return Candidate(name, step, False, f"file {fname} listed in manifest is missing")
        if len(data) != info["size"] or sha256(data) != info["sha256"]:
            return Candidate(name, step, False, f"file {fname} does not match its sha256")
        files[fname] = data
    return Candidate(name, step, True, "", files, doc.get("meta", {}))


def write_delay() -> float:
    try:
        return float(os.environ.get(WRITE_DELAY_ENV, "0") or 0)
    except ValueError:
        return 0.0


class Storage:
    """Interface of a checkpoint location."""

    uri: str

    def write(
        self,
        step: int,
        files: dict[str, bytes],
        meta: dict[str, Any],
        on_file: Callable[[str], None] | None = None,
    ) -> str:
        """Write atomically; ``on_file(name)`` is called as each data file becomes durable."""
        raise NotImplementedError

    def steps(self) -> list[tuple[str, int]]:
        """Every checkpoint folder (valid or not) as (name, step), newest first."""
        raise NotImplementedError

    def load(self, name: str, step: int) -> Candidate:
        raise NotImplementedError

    def delete(self, name: str) -> None:
        raise NotImplementedError

    def cleanup_partial(self) -> list[str]:
        """Remove leftovers of interrupted writes; returns what was removed."""
        return []

    def has_manifest(self, name: str) -> bool:
        raise NotImplementedError

    def newest_valid(self) -> tuple[Candidate | None, list[Candidate]]:
        """The newest checkpoint whose manifest verifies, and the ones skipped on the way."""
        skipped: list[Candidate] = []
        for name, step in self.steps():
            cand = self.load(name, step)
            if cand.valid:
                return cand, skipped
            skipped.append(cand)
        return None, skipped

    def prune(self, keep: int) -> list[str]:
        """Keep the newest ``keep`` valid checkpoints; delete older and invalid ones below them."""
        removed = []
        kept = 0
        for name, _step in self.steps():
            if kept >= keep:
                self.delete(name)
                removed.append(name)
                continue
            if self.has_manifest(name):  # cheap check: pruning must not download every checkpoint
                kept += 1
            elif kept > 0:
                # an invalid checkpoint older than a valid one can never be restored
                self.delete(name)
                removed.append(name)
        return removed


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class LocalStorage(Storage):
    """Checkpoints in a local folder: written to a hidden temp folder, fsynced, then renamed."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).expanduser().resolve()
        self.uri = str(self.root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CheckpointStorageError(
                f"cannot create checkpoint folder {self.root}: {exc}"
            ) from exc
        if not os.access(self.root, os.W_OK):
            raise CheckpointStorageError(f"checkpoint folder {self.root} is not writable")

    def write(
        self,
        step: int,
        files: dict[str, bytes],
        meta: dict[str, Any],
        on_file: Callable[[str], None] | None = None,
        manifest: bytes | None = None,
    ) -> str:
        """Write atomically; ``manifest`` (bytes) is reused verbatim when mirroring another copy."""
        name = ckpt_name(step)
        tmp = Path(tempfile.mkdtemp(prefix=f".partial-{name}-", dir=self.root))
        try:
            delay = write_delay()
            for fname, data in files.items():
                with open(tmp / fname, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                if on_file:
                    on_file(fname)
                if delay:
                    time.sleep(delay)
            with open(tmp / MANIFEST, "wb") as fh:  # last: makes the checkpoint count
                fh.write(manifest or build_manifest(step, files, meta))
                fh.flush()
                os.fsync(fh.fileno())
            _fsync_dir(tmp)
            final = self.root / name
            if final.exists():  # a re-save of the same step replaces the old folder
                trash = self.root / f".trash-{name}-{uuid.uuid4().hex[:8]}"
                final.rename(trash)
                shutil.rmtree(trash, ignore_errors=True)
            tmp.rename(final)
            _fsync_dir(self.root)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise CheckpointSaveError(
                f"writing checkpoint {name} to {self.root} failed: {exc}"
            ) from exc
        return str(self.root / name)

    def steps(self) -> list[tuple[str, int]]:
        out = []
        for p in self.root.iterdir():
            step = parse_step(p.name)
            if step is not None and p.is_dir():
                out.append((p.name, step))
        return sorted(out, key=lambda t: t[1], reverse=True)

    def load(self, name: str, step: int) -> Candidate:
        folder = self.root / name

        def read(fname: str) -> bytes | None:
            try:
                return (folder / fname).read_bytes()
            except OSError:
                return None

        return verify(name, step, read(MANIFEST), read)

    def delete(self, name: str) -> None:
        shutil.rmtree(self.root / name, ignore_errors=True)

    def has_manifest(self, name: str) -> bool:
        return (self.root / name / MANIFEST).is_file()

    def cleanup_partial(self) -> list[str]:
        removed = []
        for p in self.root.iterdir():
            if p.name.startswith((".partial-", ".trash-")):
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p.name)
        return removed


def open_storage(
    uri: str | os.PathLike[str] | None, *, cache_dir: str | os.PathLike[str] | None = None
) -> Storage:
    """A :class:`Storage` for a local path, ``file://`` URL or ``s3://bucket/prefix``.

    For S3, ``cache_dir`` (default ``MLKIT_CHECKPOINT_CACHE``) keeps a local mirror, like
    SageMaker's LocalPath: saves land there first, restores read from it when it matches S3.
    """
    if uri is None:
        uri = os.environ.get("MLKIT_CHECKPOINT_URI") or "./checkpoints"
    text = os.fspath(uri)
    if text.startswith("s3://"):
        from .s3 import S3Storage

        return S3Storage(text, cache_dir=cache_dir or os.environ.get("MLKIT_CHECKPOINT_CACHE"))
    if text.startswith("file://"):
        parsed = urlparse(text)
        host = "" if parsed.netloc in ("", "localhost") else f"/{parsed.netloc}"
        return LocalStorage(host + parsed.path)
    if "://" in text:
        raise CheckpointStorageError(
            f"unsupported checkpoint URI {text!r}: use a local path, file:// or s3://bucket/prefix"
        )
    return LocalStorage(text)

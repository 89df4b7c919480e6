"""The atomic checkpoint protocol on local disk: manifest last, verification, retention."""

from __future__ import annotations

import hashlib
import json

import pytest

from jupyter_mlkit.spot.storage import (
    MANIFEST,
    CheckpointStorageError,
    LocalStorage,
    open_storage,
)


def test_write_puts_sha256_of_every_file_in_the_manifest(tmp_path):
    s = LocalStorage(tmp_path)
    where = s.write(7, {"a.bin": b"hello", "b.json": b"{}"}, {"objects": ["m"]})
    assert where == str(tmp_path / "step-0000000007")
    doc = json.loads((tmp_path / "step-0000000007" / MANIFEST).read_bytes())
    assert doc["step"] == 7 and doc["meta"] == {"objects": ["m"]}
    assert doc["files"]["a.bin"] == {"sha256": hashlib.sha256(b"hello").hexdigest(), "size": 5}
    cand, skipped = s.newest_valid()
    assert cand.step == 7 and cand.files == {"a.bin": b"hello", "b.json": b"{}"}
    assert skipped == []


def test_torn_and_corrupt_checkpoints_are_skipped_for_the_previous(tmp_path):
    s = LocalStorage(tmp_path)
    s.write(10, {"x": b"ten"}, {})
    s.write(20, {"x": b"twenty"}, {})
    s.write(30, {"x": b"thirty"}, {})
    (tmp_path / "step-0000000030" / "x").write_bytes(b"thirtY")  # bit rot, same size
    (tmp_path / "step-0000000020" / MANIFEST).unlink()  # as if killed before the manifest
    (tmp_path / "step-0000000040").mkdir()  # an empty folder is no checkpoint either
    cand, skipped = s.newest_valid()
    assert cand.step == 10 and cand.files == {"x": b"ten"}
    assert [(c.step, c.reason) for c in skipped] == [
        (40, "no manifest (torn or in-progress write)"),
        (30, "file x does not match its sha256"),
        (20, "no manifest (torn or in-progress write)"),
    ]


def test_manifest_listing_a_missing_file_is_invalid(tmp_path):
    s = LocalStorage(tmp_path)
    s.write(5, {"x": b"1", "y": b"2"}, {})
    (tmp_path / "step-0000000005" / "y").unlink()
    cand, skipped = s.newest_valid()
    assert cand is None and skipped[0].reason == "file y listed in manifest is missing"


def test_keep_retains_newest_valid_and_drops_older(tmp_path):
    s = LocalStorage(tmp_path)
    for step in (1, 2, 3, 4, 5):
        s.write(step, {"x": str(step).encode()}, {})
    (tmp_path / "step-0000000002" / MANIFEST).unlink()
    removed = s.prune(keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step-0000000004", "step-0000000005"]
    assert set(removed) == {"step-0000000001", "step-0000000002", "step-0000000003"}


def test_leftover_partial_folders_are_cleaned(tmp_path):
    s = LocalStorage(tmp_path)
    (tmp_path / ".partial-step-0000000009-abc").mkdir()
    (tmp_path / ".partial-step-0000000009-abc" / "state.pt").write_bytes(b"half")
    assert s.cleanup_partial() == [".partial-step-0000000009-abc"]
    assert list(tmp_path.iterdir()) == []


def test_resave_of_same_step_replaces_it(tmp_path):
    s = LocalStorage(tmp_path)
    s.write(3, {"x": b"old"}, {})
    s.write(3, {"x": b"new"}, {})
    cand, _ = s.newest_valid()
    assert cand.files == {"x": b"new"} and len(list(tmp_path.iterdir())) == 1


def test_uri_forms(tmp_path, monkeypatch):
    assert open_storage(f"file://{tmp_path}/a").root == tmp_path / "a"
    assert open_storage(str(tmp_path / "b")).root == tmp_path / "b"
    monkeypatch.setenv("MLKIT_CHECKPOINT_URI", str(tmp_path / "env"))
    assert open_storage(None).root == tmp_path / "env"
    with pytest.raises(CheckpointStorageError, match="unsupported checkpoint URI 'gs://b/p'"):
        open_storage("gs://b/p")
    (tmp_path / "file").write_text("x")
    with pytest.raises(CheckpointStorageError, match="cannot create checkpoint folder"):
        open_storage(tmp_path / "file" / "sub")

"""Idle detection from snapshots, with an injected clock (no waiting)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from jupyter_mlkit.lifecycle import (
    IdlePolicy,
    IdleTracker,
    KernelSnapshot,
    TerminalSnapshot,
    notebook_instance_name,
)
from jupyter_mlkit.lifecycle.idle import resolve_action

T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def kernel(state="idle", last=0.0, connections=0, kid="k1") -> KernelSnapshot:
    return KernelSnapshot(kid, state, at(last), connections)


def tracker(**kw) -> IdleTracker:
    return IdleTracker(IdlePolicy(idle_seconds=600, **kw), started_at=T0)


def test_idle_kernel_counts_down_from_its_last_activity():
    tr = tracker()
    st = tr.check([kernel(last=100)], now=at(400))
    assert st.idle and not st.due
    assert st.seconds_left == 300  # 100 + 600 - 400
    assert st.deadline == at(700)
    due = tr.check([kernel(last=100)], now=at(700))
    assert due.due and due.seconds_left == 0


def test_busy_kernel_is_never_idle():
    st = tracker().check([kernel(state="busy", last=0), kernel(kid="k2")], now=at(10_000))
    assert not st.idle and not st.due and st.seconds_left is None
    assert st.busy == ["k1"] and st.reason == "kernels in use: k1 (busy)"


def test_starting_kernel_is_not_idle_and_dead_kernel_is_ignored():
    assert not tracker().check([kernel(state="starting", last=9_900)], now=at(10_000)).idle
    # Left "starting" (nobody ever connected) for longer than the idle time: idle.
    assert tracker().check([kernel(state="starting", last=0)], now=at(601)).due
    st = tracker().check([kernel(state="dead", last=9_000)], now=at(1_000))
    assert st.idle and st.seconds_left == 0  # only the server start (T0) counts


def test_connections_count_unless_ignored():
    k = kernel(last=0, connections=2)
    assert tracker(ignore_connections=True).check([k], now=at(601)).due
    st = tracker(ignore_connections=False).check([k], now=at(601))
    assert not st.idle and st.busy == ["k1"]
    assert st.reason == "kernels in use: k1 (2 connection(s))"


def test_terminal_activity_keeps_the_server_up_unless_disabled():
    terms = [TerminalSnapshot("1", at(500))]
    assert tracker().check([kernel(last=0)], terms, now=at(700)).seconds_left == 400
    assert tracker(count_terminals=False).check([kernel(last=0)], terms, now=at(700)).due


def test_no_kernels_uses_the_server_start_and_recorded_activity():
    tr = tracker(action="stop-server")
    assert tr.check([], now=at(599)).seconds_left == 1
    tr.record_activity(at(550))
    assert tr.check([], now=at(599)).seconds_left == 551


def test_shutdown_kernels_is_not_due_without_kernels():
    st = tracker(action="shutdown-kernels").check([], now=at(5_000))
    assert st.idle and not st.due and st.reason == "no kernels to shut down"


def test_postpone_extends_the_current_deadline():
    tr = tracker()
    tr.check([kernel(last=0)], now=at(500))  # deadline at 600
    until = tr.postpone(1800, now=at(500))
    assert until == at(2400)
    st = tr.check([kernel(last=0)], now=at(2000))
    assert st.seconds_left == 400 and st.postponed_until == at(2400)
    # Activity after the postponement pushes the deadline beyond it as usual.
    assert tr.check([kernel(last=2000)], now=at(2100)).deadline == at(2600)
    with pytest.raises(ValueError, match="positive"):
        tr.postpone(0)


def test_acted_restarts_the_count():
    tr = tracker(action="stop-server")
    assert tr.check([], now=at(700)).due
    tr.acted(at(700))
    assert tr.check([], now=at(701)).seconds_left == 599


def test_snapshots_from_jupyter_api_models():
    k = KernelSnapshot.from_api(
        {
            "id": "abc",
            "execution_state": "idle",
            "connections": 1,
            "last_activity": "2026-05-01T12:00:00.000000Z",
        }
    )
    assert k.last_activity == T0 and k.connections == 1
    t = TerminalSnapshot.from_api({"name": "1", "last_activity": "2026-05-01T12:10:00Z"})
    assert t.last_activity == at(600)
    naive = KernelSnapshot("n", "idle", datetime(2026, 5, 1, 12, 0))
    assert tracker().check([naive], now=at(60)).seconds_left == 540


def test_policy_validation_and_file_round_trip(tmp_path):
    with pytest.raises(ValueError, match="idle_seconds must be a positive number.*action must"):
        IdlePolicy(idle_seconds=0, action="reboot")
    p = IdlePolicy(idle_seconds=90, ignore_connections=False, action="shutdown-kernels")
    path = p.save(tmp_path / "x" / "idle.json")
    assert IdlePolicy.load(path) == p
    assert IdlePolicy.load(tmp_path / "missing.json") is None
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        IdlePolicy.load(tmp_path / "bad.json")
    assert IdlePolicy.from_dict(
        {"idle_seconds": "30", "ignore_connections": "false"}
    ) == IdlePolicy(30.0, ignore_connections=False)


def test_notebook_instance_detection(tmp_path):
    meta = tmp_path / "resource-metadata.json"
    assert notebook_instance_name(meta) is None
    meta.write_text(
        json.dumps(
            {
                "ResourceName": "my-nb",
                "ResourceArn": "arn:aws:sagemaker:us-east-1:123:notebook-instance/my-nb",
            }
        )
    )
    assert notebook_instance_name(meta) == "my-nb"
    policy = IdlePolicy(60, action="stop-notebook-instance")
    assert resolve_action(policy, meta) == (
        "stop-notebook-instance",
        "stopping notebook instance my-nb",
    )
    action, why = resolve_action(policy, tmp_path / "absent.json")
    assert action == "stop-server" and "not on a SageMaker notebook instance" in why
    meta.write_text("not json")
    assert notebook_instance_name(meta) is None

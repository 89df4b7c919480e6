"""Idle auto-stop logic, pure and clock-injected so it can be tested without waiting.

The server extension takes snapshots of kernels and terminals (from its kernel and terminal
managers, or ``/api/kernels`` and ``/api/terminals``) every so often, asks an
:class:`IdleTracker` for an :class:`IdleStatus`, and performs ``policy.action`` when ``due``.

The rule follows SageMaker's auto-stop-idle sample (spec C.4), with two deliberate changes: an
active terminal keeps the server up (the sample ignores terminals), and with no kernels at all
the server's start time (or the last recorded activity) is the baseline instead of the
instance's LastModifiedTime.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ACTIONS = ("shutdown-kernels", "stop-server", "stop-notebook-instance")
METADATA_PATH = "/opt/ml/metadata/resource-metadata.json"
_BUSY_OK = ("idle", "dead")


def _utc(value: datetime | str | None) -> datetime | None:
    """Aware UTC from a datetime (naive = UTC) or an ISO string such as Jupyter's ``...Z``."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _now(now: datetime | None) -> datetime:
    return _utc(now) if now is not None else datetime.now(timezone.utc)


@dataclass(frozen=True)
class IdlePolicy:
    """When to act and how. ``ignore_connections`` as in the sample: an open tab does not count."""

    idle_seconds: float
    ignore_connections: bool = True
    action: str = "stop-server"
    count_terminals: bool = True

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.idle_seconds, (int, float)) or self.idle_seconds <= 0:
            problems.append(f"idle_seconds must be a positive number, got {self.idle_seconds!r}")
        if self.action not in ACTIONS:
            problems.append(f"action must be one of {', '.join(ACTIONS)}, got {self.action!r}")
        if problems:
            raise ValueError("invalid idle policy: " + "; ".join(problems))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> IdlePolicy:
        known = {
            k: data[k]
            for k in ("idle_seconds", "ignore_connections", "action", "count_terminals")
            if k in data
        }
        if "idle_seconds" in known:
            known["idle_seconds"] = float(known["idle_seconds"])
        for key in ("ignore_connections", "count_terminals"):
            if isinstance(known.get(key), str):
                known[key] = known[key].strip().lower() in ("1", "true", "yes", "on")
        return cls(**known)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2))
        os.replace(tmp, path)  # never a half-written policy
        return path

    @classmethod
    def load(cls, path: str | Path) -> IdlePolicy | None:
        """The policy in ``path``, or None when there is none. A broken file is a ValueError."""
        path = Path(path)
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc})") from exc
        return cls.from_dict(data)


def policy_path(data_dir: str | Path) -> Path:
    """Where the auto-stop template writes the policy the server extension reads."""
    return Path(data_dir) / "mlkit" / "idle-policy.json"


@dataclass(frozen=True)
class KernelSnapshot:
    id: str
    execution_state: str
    last_activity: datetime
    connections: int = 0

    @classmethod
    def from_api(cls, model: dict) -> KernelSnapshot:
        """From a ``/api/kernels`` (or ``/api/sessions`` ``kernel``) model."""
        return cls(
            model["id"],
            model.get("execution_state", "unknown"),
            _utc(model.get("last_activity")) or datetime.now(timezone.utc),
            int(model.get("connections", 0) or 0),
        )


@dataclass(frozen=True)
class TerminalSnapshot:
    name: str
    last_activity: datetime

    @classmethod
    def from_api(cls, model: dict) -> TerminalSnapshot:
        return cls(
            str(model["name"]), _utc(model.get("last_activity")) or datetime.now(timezone.utc)
        )


@dataclass(frozen=True)
class IdleStatus:
    """The answer for the panel: ``seconds_left`` is None while something keeps the server busy."""

    idle: bool
    due: bool
    reason: str
    action: str
    idle_seconds: float
    last_activity: datetime | None
    seconds_left: float | None
    deadline: datetime | None
    postponed_until: datetime | None = None
    busy: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("last_activity", "deadline", "postponed_until"):
            d[key] = d[key].isoformat() if d[key] else None
        return d


class IdleTracker:
    """Decides, from snapshots, whether the server is idle and how long before the action."""

    def __init__(self, policy: IdlePolicy, *, started_at: datetime | None = None):
        self.policy = policy
        self.baseline = _now(started_at)
        self.postponed_until: datetime | None = None
        self._last_deadline: datetime | None = None

    def record_activity(self, when: datetime | None = None) -> None:
        """Something else counted as activity (e.g. the user acted in the panel)."""
        when = _now(when)
        self.baseline = max(self.baseline, when)

    def acted(self, when: datetime | None = None) -> None:
        """The action was performed: start counting afresh so it does not fire again at once."""
        self.record_activity(when)
        self.postponed_until = None

    def postpone(self, seconds: float, now: datetime | None = None) -> datetime:
        """Push the action back by ``seconds`` from the current deadline (or from now)."""
        if seconds <= 0:
            raise ValueError(f"postpone needs a positive number of seconds, got {seconds!r}")
        now = _now(now)
        base = max(d for d in (self._last_deadline, self.postponed_until, now) if d is not None)
        self.postponed_until = base + timedelta(seconds=seconds)
        return self.postponed_until

    def _in_use(self, k: KernelSnapshot, now: datetime) -> bool:
        if k.execution_state in _BUSY_OK:
            return False
        # jupyter_server leaves a kernel nobody ever connected to in "starting" for good; one
        # that has been starting for longer than the idle time is treated as idle, not busy.
        quiet = (now - _utc(k.last_activity)).total_seconds() > self.policy.idle_seconds
        return not (k.execution_state == "starting" and quiet)

    def check(
        self,
        kernels: list[KernelSnapshot],
        terminals: list[TerminalSnapshot] = (),
        now: datetime | None = None,
    ) -> IdleStatus:
        now = _now(now)
        p = self.policy
        busy = [k.id for k in kernels if self._in_use(k, now)]
        if not p.ignore_connections:
            busy += [
                k.id
                for k in kernels
                if k.connections > 0 and k.execution_state != "dead" and k.id not in busy
            ]
        times = [self.baseline] + [
            _utc(k.last_activity) for k in kernels if k.execution_state != "dead"
        ]
        if p.count_terminals:
            times += [_utc(t.last_activity) for t in terminals]
        last = max(times)
        common = dict(
            action=p.action,
            idle_seconds=p.idle_seconds,
            last_activity=last,
            postponed_until=self.postponed_until,
        )
        if busy:
            self._last_deadline = None
            by_id = {k.id: k for k in kernels}
            why = ", ".join(
                f"{k} ({by_id[k].execution_state})"
                if by_id[k].execution_state not in _BUSY_OK
                else f"{k} ({by_id[k].connections} connection(s))"
                for k in busy
            )
            return IdleStatus(
                idle=False,
                due=False,
                reason=f"kernels in use: {why}",
                seconds_left=None,
                deadline=None,
                busy=busy,
                **common,
            )
        deadline = last + timedelta(seconds=p.idle_seconds)
        if self.postponed_until is not None and self.postponed_until > deadline:
            deadline = self.postponed_until
        self._last_deadline = deadline
        left = max(0.0, (deadline - now).total_seconds())
        idle_for = (now - last).total_seconds()
        live = [k for k in kernels if k.execution_state != "dead"]
        if p.action == "shutdown-kernels" and not live:
            return IdleStatus(
                idle=True,
                due=False,
                reason="no kernels to shut down",
                seconds_left=None,
                deadline=None,
                **common,
            )
        reason = (
            f"idle for {idle_for:.0f} s"
            if left > 0
            else f"idle for {idle_for:.0f} s, limit {p.idle_seconds:g} s reached"
        )
        return IdleStatus(
            idle=True, due=left == 0, reason=reason, seconds_left=left, deadline=deadline, **common
        )


# -- SageMaker notebook instance detection --------------------------------------------------------
def read_resource_metadata(path: str | Path = METADATA_PATH) -> dict | None:
    """The notebook instance's metadata file, or None when not running on one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def notebook_instance_name(path: str | Path = METADATA_PATH) -> str | None:
    """``ResourceName`` from the metadata file: the SageMaker notebook instance we run on."""
    data = read_resource_metadata(path)
    name = data.get("ResourceName") if data else None
    return name if isinstance(name, str) and name else None


def resolve_action(
    policy: IdlePolicy, metadata_path: str | Path = METADATA_PATH
) -> tuple[str, str]:
    """The action to really take here, and why: stopping an instance needs to be on one."""
    if policy.action == "stop-notebook-instance":
        name = notebook_instance_name(metadata_path)
        if name is None:
            return "stop-server", (
                f"not on a SageMaker notebook instance ({metadata_path} "
                "missing): stopping the Jupyter server instead"
            )
        return "stop-notebook-instance", f"stopping notebook instance {name}"
    return policy.action, policy.action


class IdleMonitor:
    """Glue for the server extension: poll snapshots, check, act once when due.

    ``list_kernels`` / ``list_terminals`` return Jupyter API models (``/api/kernels`` and
    ``/api/terminals`` shapes, or the kernel manager's ``list_kernels()``); ``actions`` maps
    ``"shutdown-kernels"`` and ``"stop-server"`` to callables of the server. Stopping a SageMaker
    notebook instance is built in (through :func:`jupyter_mlkit.aws.client`); off SageMaker it
    falls back to ``"stop-server"``. Call :meth:`poll` every few seconds (e.g. a Tornado
    ``PeriodicCallback``); it never raises, an action that fails is reported in ``last_error``.
    """

    def __init__(
        self,
        policy: IdlePolicy,
        *,
        list_kernels,
        list_terminals=None,
        actions: dict | None = None,
        started_at: datetime | None = None,
        metadata_path: str | Path = METADATA_PATH,
    ):
        self.tracker = IdleTracker(policy, started_at=started_at)
        self.list_kernels = list_kernels
        self.list_terminals = list_terminals or (lambda: [])
        self.actions = dict(actions or {})
        self.metadata_path = metadata_path
        self.last_status: IdleStatus | None = None
        self.last_action: str | None = None
        self.last_error: str | None = None

    def poll(self, now: datetime | None = None) -> IdleStatus:
        now = _now(now)
        kernels = [KernelSnapshot.from_api(m) for m in self.list_kernels()]
        terminals = [TerminalSnapshot.from_api(m) for m in self.list_terminals()]
        status = self.tracker.check(kernels, terminals, now=now)
        self.last_status = status
        if status.due:
            self._act(now)
        return status

    def postpone(self, seconds: float, now: datetime | None = None) -> datetime:
        return self.tracker.postpone(seconds, now)

    def _act(self, now: datetime) -> None:
        action, why = resolve_action(self.tracker.policy, self.metadata_path)
        self.last_action, self.last_error = f"{action}: {why}", None
        try:
            if action == "stop-notebook-instance":
                from .sagemaker import stop_notebook_instance

                stop_notebook_instance(notebook_instance_name(self.metadata_path))
            else:
                self.actions[action]()
        except Exception as exc:  # reported in the panel; the server keeps running
            self.last_error = f"{action} failed: {type(exc).__name__}: {exc}"
        self.tracker.acted(now)

"""This server's lifecycle state: start-up scripts, idle auto-stop, runs on demand.

:class:`~jupyter_mlkit.server.app.MlkitApp` keeps a :class:`LifecycleService` in
``settings["mlkit_lifecycle"]``: it runs the attached configuration at start (in a thread), polls
the idle monitor, runs hooks on demand and publishes a fresh status for ``GET status``.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import BadParameters, Conflict
from ..lifecycle import (
    EnvInfo,
    IdleMonitor,
    IdlePolicy,
    LifecycleConfigError,
    LifecycleStore,
    default_log_dir,
    lifecycle_status,
    normalize_hook,
    run_hook,
    startup_in_background,
)
from ..lifecycle.idle import METADATA_PATH, policy_path


class LifecycleService:
    """This server's lifecycle state. Every method is safe to call from a worker thread."""

    def __init__(
        self,
        store: LifecycleStore,
        env_info: EnvInfo,
        *,
        timeout_s: float,
        idle_default: IdlePolicy | None,
        list_kernels,
        list_terminals,
        actions: dict,
        metadata_path: str | Path = METADATA_PATH,
        log=None,
        publish=None,
        sagemaker_role_arn: str | None = None,
        instance_schedule_interval_s: float = 0.0,
    ):
        self.store, self.env_info, self.timeout_s = store, env_info, timeout_s
        self.server = env_info.server_name
        self.log_dir = default_log_dir(env_info.data_dir)
        self.idle_default = idle_default
        self._kernels, self._terminals, self._actions = list_kernels, list_terminals, actions
        self.metadata_path = metadata_path
        self.log = log
        self.publish = publish  # called with each fresh status (the app puts it in settings)
        self.started_at = datetime.now(timezone.utc)
        self.startup = None
        self.monitor: IdleMonitor | None = None
        self._policy_key: tuple | None = None
        self._policy_source: str | None = None
        self._policy_error: str | None = None
        self._running: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self.status: dict[str, Any] = {}
        # SageMaker notebook instances: the default role for new ones, and the schedule loop.
        self.sagemaker_role_arn = sagemaker_role_arn or None
        self.instance_schedule_interval_s = instance_schedule_interval_s
        self.last_schedule_apply: dict[str, Any] | None = None

    # -- start-up ------------------------------------------------------------------------------
    def start(self) -> None:
        self.startup = startup_in_background(
            self.store, self.env_info, log_dir=self.log_dir, timeout_s=self.timeout_s
        )
        self.startup.add_done_callback(lambda _f: self.refresh())
        self.refresh()

    # -- idle auto-stop --------------------------------------------------------------------------
    def _current_policy(self) -> tuple[IdlePolicy | None, str | None]:
        """The policy file written by the auto-stop template wins over the server's settings.

        Read at every poll (a small JSON file): the on-start script writes it after start-up.
        """
        path = policy_path(self.env_info.data_dir)
        try:
            policy = IdlePolicy.load(path)
            self._policy_error = None
        except (ValueError, TypeError) as exc:
            policy, self._policy_error = None, f"{path}: {exc}"
        if policy is not None:
            return policy, "file"
        return self.idle_default, ("config" if self.idle_default else None)

    def poll_idle(self) -> None:
        """Pick up a new policy, check idleness, act when due, refresh the status."""
        with self._lock:
            policy, source = self._current_policy()
            key = (source, policy)
            if policy is None:
                self.monitor = None
            elif self.monitor is None or key != self._policy_key:
                self.monitor = IdleMonitor(
                    policy,
                    list_kernels=self._kernels,
                    list_terminals=self._terminals,
                    actions=self._actions,
                    started_at=self.started_at,
                    metadata_path=self.metadata_path,
                )
            self._policy_key, self._policy_source = key, source
            if self.monitor is not None:
                before = self.monitor.last_action
                self.monitor.poll()
                if self.monitor.last_action != before and self.log is not None:
                    self.log.warning("jupyter_mlkit: idle auto-stop: %s", self.monitor.last_action)
        self.refresh()

    def idle_status(self) -> dict:
        m = self.monitor
        return {
            "enabled": m is not None,
            "source": self._policy_source if m is not None else None,
            "policy": m.tracker.policy.to_dict() if m is not None else None,
            "status": m.last_status.to_dict() if m is not None and m.last_status else None,
            "last_action": m.last_action if m is not None else None,
            "last_error": (m.last_error if m is not None else None) or self._policy_error,
        }

    def postpone(self, seconds: Any) -> dict:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
            raise BadParameters(
                f"'seconds' must be a positive number, got {seconds!r}",
                details={"field": "seconds"},
            )
        with self._lock:
            if self.monitor is None:
                raise Conflict("idle auto-stop is off on this server; there is nothing to postpone")
            self.monitor.postpone(float(seconds))
        self.poll_idle()
        return self.idle_status()

    # -- runs ----------------------------------------------------------------------------------
    def run_now(self, name: str, hook: Any) -> dict:
        """Start one hook of a saved configuration in a thread; returns its "running" record."""
        if not isinstance(hook, str):
            raise BadParameters(
                "'hook' must be 'on-create' or 'on-start'", details={"field": "hook"}
            )
        hook = normalize_hook(hook)
        stored = self.store.get(name)
        config = stored.to_config()
        if config.script(hook) is None:
            raise LifecycleConfigError(f"{hook.replace('_', '-')} has no script", name)
        with self._lock:
            if (name, hook) in self._running:
                raise Conflict(f"{hook.replace('_', '-')} of {name!r} is already running")
            self._running.add((name, hook))
        started = threading.Event()
        box: dict[str, Any] = {}
        service = self

        class _Notify:
            """The store, telling us the run's id as soon as it is recorded."""

            def record_start(self, run):
                box["run"] = service.store.record_start(run)
                started.set()
                return box["run"]

            def record_finish(self, run):
                return service.store.record_finish(run)

        def work() -> None:
            try:
                box["done"] = run_hook(
                    config,
                    hook,
                    env_info=self.env_info,
                    timeout_s=self.timeout_s,
                    log_dir=self.log_dir,
                    store=_Notify(),
                    version=stored.version,
                )
            finally:
                with self._lock:
                    self._running.discard((name, hook))
                started.set()
                self.refresh()

        threading.Thread(target=work, name=f"mlkit-lifecycle-{name}", daemon=True).start()
        started.wait(30)
        run = box.get("run") or box.get("done")
        if run is None:  # pragma: no cover - run_hook records before it starts the script
            raise Conflict("the run did not start; see the Jupyter server log")
        return run.to_dict()

    # -- notebook-instance schedules ---------------------------------------------------------------
    def apply_instance_schedules(self, at: datetime | None = None, *, dry_run: bool = False):
        """Apply every stored schedule at ``at`` (now by default); kept for ``instance-schedules``.

        Raises for the REST call; the periodic loop uses :meth:`apply_instance_schedules_quietly`.
        """
        from ..lifecycle.instances import apply_stored_schedules

        out = apply_stored_schedules(self.store, at, dry_run=dry_run)
        if not dry_run:
            self.last_schedule_apply = {**out, "error": None}
            for row in out["results"]:
                if row["done"] and self.log is not None:
                    self.log.info(
                        "jupyter_mlkit: schedule: %s notebook instance %s",
                        row["action"],
                        row["instance"],
                    )
        return out

    def apply_instance_schedules_quietly(self) -> None:
        """The periodic loop: a failure (no credentials, AWS down) is logged once per change and
        shown in ``instance-schedules``, never raised."""
        try:
            self.apply_instance_schedules()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            previous = (self.last_schedule_apply or {}).get("error")
            self.last_schedule_apply = {
                "at": datetime.now(timezone.utc).isoformat(),
                "dry_run": False,
                "results": [],
                "error": error,
            }
            if error != previous and self.log is not None:
                self.log.warning("jupyter_mlkit: notebook-instance schedules: %s", error)

    # -- status ----------------------------------------------------------------------------------
    def refresh(self) -> dict:
        try:
            data = lifecycle_status(self.store, self.server)
        except Exception as exc:  # the database is unreachable: say so, keep serving
            data = {"server": self.server, "error": f"{type(exc).__name__}: {exc}"}
        f = self.startup
        if f is None or not f.done():
            data["startup"] = {"state": "running" if f is not None else "not started"}
        else:
            data["startup"] = {"state": "done", **f.result().to_dict()}
        data["idle"] = self.idle_status()
        self.status = data
        if self.publish is not None:
            self.publish(data)
        return data

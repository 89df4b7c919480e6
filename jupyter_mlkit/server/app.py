"""The ExtensionApp: configuration, services in ``settings``, and the background loops."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from tornado.ioloop import IOLoop, PeriodicCallback
from traitlets import Bool, Enum, Float, Integer, Unicode, default

from ..db import open_db
from ..jobs import JobManager, ScheduleStore, kind_names
from . import (
    compile_handlers,
    jobs_handlers,
    lifecycle_handlers,
    lifecycle_instance_handlers,
    monitor_handlers,
    quality_handlers,
    spot_handlers,
    status_handlers,
)


class MlkitApp(ExtensionApp):
    """jupyter-mlkit's server extension. Configure with ``c.MlkitApp.<trait>``."""

    name = "jupyter_mlkit"
    load_other_extensions = True

    db_path = Unicode(
        "",
        config=True,
        help="SQLite database file (default: $MLKIT_DB or <jupyter data dir>/mlkit/mlkit.sqlite).",
    )
    max_concurrent_jobs = Integer(2, config=True, help="Jobs run at the same time, at most.")
    poll_interval_s = Float(
        0.5, config=True, help="How often queued jobs are started and finished ones reaped."
    )
    schedule_interval_s = Float(15.0, config=True, help="How often due schedules are checked.")

    # -- lifecycle configurations (see docs/lifecycle.md) --
    lifecycle_timeout_s = Float(
        300.0, config=True, help="Time limit of a lifecycle script; then its process group dies."
    )
    server_name = Unicode(
        config=True,
        help="Name for lifecycle attachments and log streams (default: the SageMaker notebook "
        "instance name when on one, else the host name).",
    )
    idle_timeout_s = Float(
        0.0,
        config=True,
        help="Idle auto-stop after this many seconds without activity (0 = off). A policy "
        "written by the auto-stop template (<data dir>/mlkit/idle-policy.json) takes precedence.",
    )
    idle_action = Enum(
        ["stop-server", "shutdown-kernels", "stop-notebook-instance"],
        "stop-server",
        config=True,
        help="What idle auto-stop does.",
    )
    idle_ignore_connections = Bool(
        True, config=True, help="An open notebook tab alone does not keep the server up."
    )
    idle_poll_s = Float(5.0, config=True, help="How often idleness is checked.")
    sagemaker_role_arn = Unicode(
        "",
        config=True,
        help="IAM role for SageMaker notebook instances created from the panel or REST when the "
        "request names none (else $MLKIT_SAGEMAKER_ROLE_ARN).",
    )
    instance_schedule_interval_s = Float(
        300.0,
        config=True,
        help="How often stored notebook-instance start/stop schedules are applied (0 = never).",
    )

    @default("server_name")
    def _default_server_name(self) -> str:
        from ..lifecycle import default_server_name

        return default_server_name()

    handlers = status_handlers.HANDLERS + jobs_handlers.HANDLERS + lifecycle_handlers.HANDLERS
    handlers = handlers + lifecycle_instance_handlers.HANDLERS
    handlers = handlers + quality_handlers.HANDLERS
    handlers = handlers + monitor_handlers.HANDLERS
    handlers = handlers + compile_handlers.HANDLERS
    handlers = handlers + spot_handlers.HANDLERS

    def initialize_settings(self) -> None:
        db = open_db(self.db_path or None)
        # Kernels, terminals and jobs started by this server inherit the same database, so a
        # job started with %mlkit in a notebook shows in this server's Jobs list.
        os.environ["MLKIT_DB"] = str(db.path)
        manager = JobManager(db, max_concurrent=self.max_concurrent_jobs)
        recovered = manager.recover()
        if recovered:
            self.log.warning(
                "jupyter_mlkit: %d job(s) left running by a previous server are now 'interrupted'",
                len(recovered),
            )
        self.settings.update(
            mlkit_db=db,
            mlkit_jobs=manager,
            mlkit_schedules=ScheduleStore(db),
            mlkit_root_dir=str(Path(self.serverapp.root_dir).expanduser().resolve()),
            mlkit_kind_names=kind_names(),
        )
        self._busy: set[str] = set()
        self.log.info("jupyter_mlkit: database %s", db.path)
        self._start_lifecycle(db)
        # Started here rather than in _start_jupyter_server_extension: that hook only runs under
        # ServerApp.start(), not when a server is embedded (tests, other launchers).
        self._start_loops()

    def _start_loops(self) -> None:
        manager: JobManager = self.settings["mlkit_jobs"]
        schedules: ScheduleStore = self.settings["mlkit_schedules"]
        self._loops = [
            PeriodicCallback(
                lambda: self._off_loop("jobs", manager.tick), self.poll_interval_s * 1000
            ),
            PeriodicCallback(
                lambda: self._off_loop("schedules", self._run_schedules, schedules),
                self.schedule_interval_s * 1000,
            ),
        ]
        if self.settings.get("mlkit_lifecycle") is not None:
            self._loops.append(
                PeriodicCallback(
                    lambda: self._off_loop("lifecycle", self._poll_lifecycle),
                    self.idle_poll_s * 1000,
                )
            )
            if self.instance_schedule_interval_s > 0:
                service = self.settings["mlkit_lifecycle"]
                self._loops.append(
                    PeriodicCallback(
                        lambda: self._off_loop(
                            "instance-schedules", service.apply_instance_schedules_quietly
                        ),
                        self.instance_schedule_interval_s * 1000,
                    )
                )
        for loop in self._loops:
            loop.start()

    # -- lifecycle configurations -----------------------------------------------------------------
    def _start_lifecycle(self, db) -> None:
        """Run the attached configuration in the background and set up idle auto-stop.

        Any failure here is logged and reported in ``status``; the server keeps starting.
        """
        from ..lifecycle import EnvInfo, IdlePolicy, LifecycleStore

        self.settings["mlkit_lifecycle_status"] = None
        try:
            app = self.serverapp
            env = EnvInfo(
                server_name=self.server_name,
                server_root=self.settings["mlkit_root_dir"],
                data_dir=str(Path(app.data_dir).expanduser().resolve()),
                port=app.port or None,
                url=app.connection_url,
            )
            idle = None
            if self.idle_timeout_s > 0:
                idle = IdlePolicy(
                    idle_seconds=self.idle_timeout_s,
                    action=self.idle_action,
                    ignore_connections=self.idle_ignore_connections,
                )
            self._io_loop = IOLoop.current()
            service = lifecycle_handlers.LifecycleService(
                LifecycleStore(db),
                env,
                timeout_s=self.lifecycle_timeout_s,
                idle_default=idle,
                list_kernels=app.kernel_manager.list_kernels,
                list_terminals=self._list_terminals,
                actions={
                    "shutdown-kernels": self._idle_shutdown_kernels,
                    "stop-server": self._idle_stop_server,
                },
                log=self.log,
                publish=self._publish_lifecycle_status,
                sagemaker_role_arn=self.sagemaker_role_arn or None,
                instance_schedule_interval_s=self.instance_schedule_interval_s,
            )
            self.settings["mlkit_lifecycle"] = service
            service.start()
            self.log.info("jupyter_mlkit: lifecycle server name %s", env.server_name)
        except Exception as exc:
            self.log.exception("jupyter_mlkit: lifecycle start-up failed")
            self.settings["mlkit_lifecycle"] = None
            self.settings["mlkit_lifecycle_status"] = {"error": f"{type(exc).__name__}: {exc}"}

    def _publish_lifecycle_status(self, data: dict) -> None:
        # The handlers read the web app's settings, a copy made when the extension loaded.
        self.settings["mlkit_lifecycle_status"] = data
        web_app = getattr(self.serverapp, "web_app", None)
        if web_app is not None:
            web_app.settings["mlkit_lifecycle_status"] = data

    def _poll_lifecycle(self) -> None:
        self.settings["mlkit_lifecycle"].poll_idle()

    def _list_terminals(self) -> list[dict]:
        manager = self.serverapp.web_app.settings.get("terminal_manager")
        return manager.list() if manager is not None else []

    def _idle_shutdown_kernels(self) -> None:
        km = self.serverapp.kernel_manager

        async def shut() -> None:
            for model in km.list_kernels():
                if model.get("execution_state") != "busy":
                    self.log.warning("jupyter_mlkit: idle: shutting down kernel %s", model["id"])
                    await km.shutdown_kernel(model["id"])

        # Called from the polling thread: the kernel manager lives on the event loop.
        self._io_loop.add_callback(shut)

    def _idle_stop_server(self) -> None:
        self.log.warning("jupyter_mlkit: idle auto-stop: stopping the server")
        self._io_loop.add_callback(self.serverapp.stop)

    def _run_schedules(self, schedules: ScheduleStore) -> None:
        created = schedules.run_due()
        if created:
            self.settings["mlkit_jobs"].tick()

    def _off_loop(self, name: str, fn, *args) -> None:
        """Run ``fn`` in a thread, never two of the same at once, logging failures."""
        if name in self._busy:
            return
        self._busy.add(name)

        async def go():
            try:
                await asyncio.to_thread(fn, *args)
            except Exception:
                self.log.exception("jupyter_mlkit: background %s loop failed", name)
            finally:
                self._busy.discard(name)

        asyncio.ensure_future(go())

    async def stop_extension(self) -> None:
        for loop in self._loops:
            loop.stop()
        manager = self.settings.get("mlkit_jobs")
        if manager is not None:
            await asyncio.to_thread(manager.shutdown)

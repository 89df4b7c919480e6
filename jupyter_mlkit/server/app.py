"""The ExtensionApp: configuration, services in ``settings``, and the background loops."""

from __future__ import annotations

import asyncio
from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from tornado.ioloop import PeriodicCallback
from traitlets import Float, Integer, Unicode

from ..db import open_db
from ..jobs import JobManager, ScheduleStore, kind_names
from . import jobs_handlers, status_handlers


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

    handlers = status_handlers.HANDLERS + jobs_handlers.HANDLERS

    def initialize_settings(self) -> None:
        db = open_db(self.db_path or None)
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
        for loop in self._loops:
            loop.start()

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

"""Saved lifecycle configurations, attachments, on-create bookkeeping and run history.

Everything lives in the project's SQLite database (:func:`jupyter_mlkit.db.open_db`). Editing a
configuration adds a version; old versions stay readable. A configuration is validated before
anything is written, so an invalid script never reaches the database.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..db import Database, open_db
from .config import LifecycleConfig, LifecycleConfigError, Problem, name_problems, normalize_hook
from .models import Attachment, RunRecord, StoredConfig
from .schedule import InstanceSchedule
from .tables import (
    AttachmentRow,
    ConfigRow,
    OnCreateRow,
    RunRow,
    ScheduleRow,
    VersionRow,
    utcnow,
)


class LifecycleNotFound(LookupError):
    """No configuration (or version, or run) by that name or id."""


def data_dir_key(data_dir: str | Path) -> str:
    return str(Path(data_dir).expanduser().resolve())


class LifecycleStore:
    """CRUD over saved configurations plus attachment, on-create and run bookkeeping."""

    def __init__(self, db: Database | str | Path | None = None):
        self.db = db if isinstance(db, Database) else open_db(db)

    # -- configurations -----------------------------------------------------------------------
    def create(self, config: LifecycleConfig, *, description: str | None = None) -> StoredConfig:
        """Save a new configuration as version 1; an existing name is an error."""
        config = _checked(config)
        with self.db.session() as s:
            if s.get(ConfigRow, config.name) is not None:
                raise LifecycleConfigError(
                    [
                        Problem(
                            f"a configuration named {config.name!r} already exists; "
                            "update it or choose another name"
                        )
                    ],
                    config.name,
                )
            now = utcnow()
            s.add(ConfigRow(name=config.name, latest_version=1, created_at=now))
            s.flush()
            row = _version_row(config, 1, description, now)
            s.add(row)
            return _stored(row, 1)

    def update(self, config: LifecycleConfig, *, description: str | None = None) -> StoredConfig:
        """Save the scripts as a new version; unchanged scripts keep the current version."""
        config = _checked(config)
        with self.db.session() as s:
            head = s.get(ConfigRow, config.name)
            if head is None:
                raise LifecycleNotFound(f"no lifecycle configuration named {config.name!r}")
            cur = _version(s, config.name, head.latest_version)
            desc = (
                description if description is not None else (config.description or cur.description)
            )
            if (cur.on_create, cur.on_start, cur.description) == (
                config.on_create,
                config.on_start,
                desc,
            ):
                return _stored(cur, head.latest_version)
            head.latest_version += 1
            row = _version_row(config, head.latest_version, desc, utcnow())
            s.add(row)
            return _stored(row, head.latest_version)

    def save(self, config: LifecycleConfig, *, description: str | None = None) -> StoredConfig:
        """Create or update."""
        try:
            return self.update(config, description=description)
        except LifecycleNotFound:
            return self.create(config, description=description)

    def get(self, name: str, version: int | None = None) -> StoredConfig:
        with self.db.session() as s:
            head = s.get(ConfigRow, name)
            if head is None:
                raise LifecycleNotFound(f"no lifecycle configuration named {name!r}")
            row = _version(s, name, version or head.latest_version)
            return _stored(row, head.latest_version)

    def exists(self, name: str) -> bool:
        with self.db.session() as s:
            return s.get(ConfigRow, name) is not None

    def list(self) -> list[StoredConfig]:
        """Every configuration at its latest version, by name."""
        with self.db.session() as s:
            rows = s.execute(
                select(VersionRow, ConfigRow.latest_version)
                .join(
                    ConfigRow,
                    (ConfigRow.name == VersionRow.name)
                    & (ConfigRow.latest_version == VersionRow.version),
                )
                .order_by(VersionRow.name)
            ).all()
            return [_stored(r, latest) for r, latest in rows]

    def versions(self, name: str) -> list[StoredConfig]:
        """All versions, oldest first."""
        with self.db.session() as s:
            head = s.get(ConfigRow, name)
            if head is None:
                raise LifecycleNotFound(f"no lifecycle configuration named {name!r}")
            rows = s.scalars(
                select(VersionRow).where(VersionRow.name == name).order_by(VersionRow.version)
            ).all()
            return [_stored(r, head.latest_version) for r in rows]

    def delete(self, name: str, *, force: bool = False) -> None:
        """Delete a configuration and its versions. Attached ones need ``force`` (detaches)."""
        with self.db.session() as s:
            if s.get(ConfigRow, name) is None:
                raise LifecycleNotFound(f"no lifecycle configuration named {name!r}")
            servers = s.scalars(
                select(AttachmentRow.server).where(AttachmentRow.config_name == name)
            ).all()
            if servers and not force:
                raise LifecycleConfigError(
                    [Problem(f"{name!r} is attached to {', '.join(servers)}; detach it first")],
                    name,
                )
            s.execute(delete(AttachmentRow).where(AttachmentRow.config_name == name))
            s.execute(delete(VersionRow).where(VersionRow.name == name))
            s.execute(delete(ConfigRow).where(ConfigRow.name == name))

    # -- attachment -----------------------------------------------------------------------------
    def attach(self, name: str, server: str) -> Attachment:
        """Attach ``name`` to ``server`` (replacing any configuration attached before)."""
        with self.db.session() as s:
            if s.get(ConfigRow, name) is None:
                raise LifecycleNotFound(f"no lifecycle configuration named {name!r}")
            row = s.get(AttachmentRow, server)
            if row is None:
                row = AttachmentRow(server=server, config_name=name, attached_at=utcnow())
                s.add(row)
            else:
                row.config_name, row.attached_at = name, utcnow()
            return Attachment(row.server, row.config_name, row.attached_at)

    def detach(self, server: str) -> bool:
        """Detach whatever is attached to ``server``; False when nothing was."""
        with self.db.session() as s:
            return (
                s.execute(delete(AttachmentRow).where(AttachmentRow.server == server)).rowcount > 0
            )

    def attachment(self, server: str) -> Attachment | None:
        with self.db.session() as s:
            row = s.get(AttachmentRow, server)
            return Attachment(row.server, row.config_name, row.attached_at) if row else None

    # -- on-create bookkeeping -------------------------------------------------------------------
    def on_create_done(self, data_dir: str | Path, name: str) -> bool:
        with self.db.session() as s:
            return s.get(OnCreateRow, (data_dir_key(data_dir), name)) is not None

    def claim_on_create(self, data_dir: str | Path, name: str, version: int | None) -> bool:
        """Record that on-create is about to run; False if it already ran (or is running).

        Claiming before running (not after) is what makes "never twice" hold even when two
        servers share a data directory or the server dies mid-script.
        """
        key = data_dir_key(data_dir)
        try:
            with self.db.session() as s:
                if s.get(OnCreateRow, (key, name)) is not None:
                    return False
                s.add(
                    OnCreateRow(data_dir=key, config_name=name, version=version, done_at=utcnow())
                )
        except IntegrityError:  # another process claimed it between our read and our write
            return False
        return True

    def finish_on_create(self, data_dir: str | Path, name: str, run: RunRecord) -> None:
        with self.db.session() as s:
            row = s.get(OnCreateRow, (data_dir_key(data_dir), name))
            if row is not None:
                row.run_id, row.exit_code = run.id, run.exit_code

    def reset_on_create(self, data_dir: str | Path, name: str | None = None) -> int:
        """Forget on-create runs for a data directory so they run again at the next start."""
        stmt = delete(OnCreateRow).where(OnCreateRow.data_dir == data_dir_key(data_dir))
        if name is not None:
            stmt = stmt.where(OnCreateRow.config_name == name)
        with self.db.session() as s:
            return s.execute(stmt).rowcount

    # -- run history ------------------------------------------------------------------------------
    def record_start(self, run: RunRecord) -> RunRecord:
        with self.db.session() as s:
            row = RunRow(
                config_name=run.config_name,
                version=run.version,
                hook=run.hook,
                server=run.server,
                data_dir=run.data_dir,
                log_stream=run.log_stream,
                log_path=run.log_path,
                started_at=run.started_at,
                status=run.status,
            )
            s.add(row)
            s.flush()
            return replace(run, id=row.id)

    def record_finish(self, run: RunRecord) -> RunRecord:
        if run.id is None:
            run = self.record_start(run)
        with self.db.session() as s:
            row = s.get(RunRow, run.id)
            row.finished_at, row.exit_code = run.finished_at, run.exit_code
            row.timed_out, row.status, row.error = run.timed_out, run.status, run.error
        return run

    def mark_interrupted(self, server: str) -> int:
        """Runs of ``server`` still "running" (the server stopped mid-script) become failed."""
        with self.db.session() as s:
            rows = s.scalars(
                select(RunRow).where(RunRow.server == server, RunRow.status == "running")
            ).all()
            for row in rows:
                row.status, row.finished_at = "failed", utcnow()
                row.error = "the server stopped while the script was running"
            return len(rows)

    def get_run(self, run_id: int) -> RunRecord:
        with self.db.session() as s:
            row = s.get(RunRow, run_id)
            if row is None:
                raise LifecycleNotFound(f"no lifecycle run with id {run_id}")
            return _run(row)

    def runs(
        self,
        name: str | None = None,
        *,
        server: str | None = None,
        hook: str | None = None,
        limit: int = 50,
    ) -> list[RunRecord]:
        """Newest first."""
        stmt = select(RunRow).order_by(RunRow.id.desc()).limit(limit)
        if name is not None:
            stmt = stmt.where(RunRow.config_name == name)
        if server is not None:
            stmt = stmt.where(RunRow.server == server)
        if hook is not None:
            stmt = stmt.where(RunRow.hook == normalize_hook(hook))
        with self.db.session() as s:
            return [_run(r) for r in s.scalars(stmt).all()]

    def run_count(self, name: str, hook: str) -> int:
        with self.db.session() as s:
            return s.scalar(
                select(func.count())
                .select_from(RunRow)
                .where(RunRow.config_name == name, RunRow.hook == normalize_hook(hook))
            )

    def read_log(self, run_id: int, *, offset: int = 0, max_bytes: int = 1 << 20) -> dict:
        """A chunk of a run's log: ``{"text", "offset", "next_offset", "size", "eof"}``."""
        run = self.get_run(run_id)
        path = Path(run.log_path)
        if not path.exists():
            return {"text": "", "offset": offset, "next_offset": offset, "size": 0, "eof": True}
        size = path.stat().st_size
        with path.open("rb") as fh:
            fh.seek(offset)
            chunk = fh.read(max_bytes)
        nxt = offset + len(chunk)
        return {
            "text": chunk.decode("utf-8", "replace"),
            "offset": offset,
            "next_offset": nxt,
            "size": size,
            "eof": nxt >= size and run.status != "running",
        }

    # -- notebook-instance schedules --------------------------------------------------------------
    def set_schedule(self, instance_name: str, spec: str) -> InstanceSchedule:
        """Save (or replace) an instance's start/stop schedule; the text is parsed first."""
        found = name_problems(instance_name, label="instance name")
        if found:
            raise LifecycleConfigError(found, instance_name)
        parsed = InstanceSchedule.parse(spec)
        with self.db.session() as s:
            row = s.get(ScheduleRow, instance_name)
            if row is None:
                s.add(ScheduleRow(instance_name=instance_name, spec=spec, updated_at=utcnow()))
            else:
                row.spec, row.updated_at = spec, utcnow()
        return parsed

    def schedules(self) -> dict[str, InstanceSchedule]:
        with self.db.session() as s:
            rows = s.scalars(select(ScheduleRow).order_by(ScheduleRow.instance_name)).all()
            return {r.instance_name: InstanceSchedule.parse(r.spec) for r in rows}

    def delete_schedule(self, instance_name: str) -> bool:
        with self.db.session() as s:
            stmt = delete(ScheduleRow).where(ScheduleRow.instance_name == instance_name)
            return s.execute(stmt).rowcount > 0


# -- helpers --------------------------------------------------------------------------------------
def _checked(config: LifecycleConfig) -> LifecycleConfig:
    config.validate()
    # Stored as text: validation guarantees UTF-8.
    return config.decoded()


def _version_row(cfg: LifecycleConfig, version: int, desc: str | None, now: datetime) -> VersionRow:
    return VersionRow(
        name=cfg.name,
        version=version,
        on_create=cfg.on_create,
        on_start=cfg.on_start,
        description=desc or cfg.description or "",
        created_at=now,
    )


def _version(s, name: str, version: int) -> VersionRow:
    row = s.scalar(select(VersionRow).where(VersionRow.name == name, VersionRow.version == version))
    if row is None:
        raise LifecycleNotFound(f"lifecycle configuration {name!r} has no version {version}")
    return row


def _stored(row: VersionRow, latest: int) -> StoredConfig:
    return StoredConfig(
        row.name,
        row.version,
        row.on_create,
        row.on_start,
        row.description or "",
        row.created_at,
        latest,
    )


def _run(r: RunRow) -> RunRecord:
    return RunRecord(
        config_name=r.config_name,
        hook=r.hook,
        server=r.server,
        log_stream=r.log_stream,
        log_path=r.log_path,
        started_at=r.started_at,
        finished_at=r.finished_at,
        exit_code=r.exit_code,
        timed_out=bool(r.timed_out),
        status=r.status,
        error=r.error,
        version=r.version,
        data_dir=r.data_dir,
        id=r.id,
    )


def validate_name(name: str) -> None:
    found = name_problems(name)
    if found:
        raise LifecycleConfigError(found, name)

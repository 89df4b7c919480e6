"""The one SQLite database that holds jupyter-mlkit's state.

Every component (jobs, schedules, data-quality history, lifecycle configurations, ...) declares its
tables on :class:`Base` and opens the database through :func:`open_db`. The file lives in the
Jupyter data directory unless ``MLKIT_DB`` or an explicit path says otherwise.

Schema changes are versioned per component: :func:`register_migration` adds a step that runs once,
in order, inside a transaction, so an upgrade never loses rows.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, Integer, String, create_engine, event, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

DB_ENV = "MLKIT_DB"


class Base(DeclarativeBase):
    """Declarative base for every table of the project."""


class SchemaVersion(Base):
    __tablename__ = "schema_version"
    component: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


Migration = Callable[[Connection], None]
_MIGRATIONS: dict[str, dict[int, Migration]] = {}
_LATEST: dict[str, int] = {}


def register_migration(component: str, version: int, step: Migration | None = None) -> None:
    """Declare that ``component``'s schema is at least ``version``.

    ``step`` upgrades a database at ``version - 1`` to ``version`` (ALTER TABLE ..., data copies).
    A component's tables are created by ``create_all`` at their newest shape, so on a fresh
    database the steps are skipped and the version is simply recorded.
    """
    if step is not None:
        _MIGRATIONS.setdefault(component, {})[version] = step
    _LATEST[component] = max(version, _LATEST.get(component, 0))


def default_db_path() -> Path:
    """``$MLKIT_DB``, else ``<jupyter data dir>/mlkit/mlkit.sqlite``."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "mlkit" / "mlkit.sqlite"


class Database:
    """An open database: an engine plus a session factory."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(
            f"sqlite:///{path}", connect_args={"timeout": 30, "check_same_thread": False}
        )
        event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.upgrade()

    def upgrade(self) -> None:
        """Create missing tables and run pending migrations (idempotent)."""
        with self.engine.begin() as conn:
            existing = {
                row[0]
                for row in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
            }
            fresh = "schema_version" not in existing
            Base.metadata.create_all(conn)
            versions = {
                row.component: row.version
                for row in conn.execute(select(SchemaVersion.component, SchemaVersion.version))
            }
            for component, latest in _LATEST.items():
                current = versions.get(component)
                if current is None:
                    # The component's tables were just created at their newest shape, unless the
                    # database predates versioning of this component; then run every step.
                    current = latest if fresh or not _MIGRATIONS.get(component) else 0
                for version in range(current + 1, latest + 1):
                    step = _MIGRATIONS.get(component, {}).get(version)
                    if step is not None:
                        step(conn)
                conn.execute(
                    text(
                        "INSERT INTO schema_version(component, version) VALUES (:c, :v) "
                        "ON CONFLICT(component) DO UPDATE SET version = :v"
                    ),
                    {"c": component, "v": latest},
                )

    def schema_versions(self) -> dict[str, int]:
        with self.session() as s:
            return {r.component: r.version for r in s.scalars(select(SchemaVersion))}

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the server read while a job process writes; busy_timeout waits out short locks.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


_OPEN: dict[Path, Database] = {}
_LOCK = threading.Lock()


def open_db(path: str | Path | None = None) -> Database:
    """Open (once per process and path) the project's database, creating it if needed."""
    resolved = Path(path).expanduser().resolve() if path else default_db_path().resolve()
    with _LOCK:
        db = _OPEN.get(resolved)
        if db is None or os.getpid() != getattr(db, "_pid", os.getpid()):
            db = Database(resolved)
            db._pid = os.getpid()  # type: ignore[attr-defined]
            _OPEN[resolved] = db
        return db

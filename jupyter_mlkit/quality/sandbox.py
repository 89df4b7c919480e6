"""Running CustomSql in a DuckDB connection that cannot touch files, with a time limit.

The data is registered into a fresh in-memory connection as Arrow objects (a DataFrame, an Arrow
table, or a lazily scanned ``pyarrow.dataset`` for files), *then* external access is switched off
and the configuration locked, so a rule cannot read files, attach databases or install
extensions. DQDL writes the dataset as an unquoted ``primary``, a reserved word in DuckDB, so
that word is rewritten (outside quotes and comments) to the registered name.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import duckdb

from .plan import RuleError
from .sources import Source, qident

PRIMARY = "__dq_primary"
_TOKENS = re.compile(r"""('(?:[^']|'')*')|("(?:[^"]|"")*")|(--[^\n]*)|(/\*.*?\*/)|(\w+)""", re.S)


def rewrite_primary(sql: str, aliases: dict[str, str] | None = None) -> str:
    """Replace the bare word ``primary`` (and reference aliases) by registered table names."""
    aliases = {"primary": PRIMARY, **(aliases or {})}
    lower = {k.lower(): v for k, v in aliases.items()}

    def repl(m: re.Match) -> str:
        word = m.group(5)
        if word is not None and word.lower() in lower:
            return lower[word.lower()]
        return m.group(0)

    return _TOKENS.sub(repl, sql)


def _arrow_source(src: Source, con: duckdb.DuckDBPyConnection) -> Any:
    if src.obj is not None:
        return src.obj
    import pyarrow.dataset as ds

    fmt = src.file_format
    try:
        return ds.dataset(src.paths, format=fmt)
    except Exception:
        # Formats pyarrow cannot scan lazily are materialised through the main connection.
        return con.sql(src.scan_sql()).to_arrow_table()


class Sandbox:
    def __init__(
        self,
        main: duckdb.DuckDBPyConnection,
        primary: Source,
        references: dict[str, Source],
        timeout_s: float = 30.0,
        row_filter: str | None = None,
    ):
        self.timeout_s = timeout_s
        self.con = duckdb.connect(":memory:")
        self.columns = list(primary.columns)
        if row_filter:
            # The Arrow source is the unfiltered data: rules must see what the engine sees.
            self.con.register(f"{PRIMARY}_all", _arrow_source(primary, main))
            self.con.execute(
                f"CREATE VIEW {PRIMARY} AS SELECT * FROM {PRIMARY}_all WHERE {row_filter}"
            )
        else:
            self.con.register(PRIMARY, _arrow_source(primary, main))
        self.aliases: dict[str, str] = {}
        for i, (alias, src) in enumerate(references.items()):
            name = f"__dq_ref{i}"
            self.con.register(name, _arrow_source(src, main))
            self.aliases[alias] = name
        self.con.execute("SET enable_external_access = false")
        self.con.execute("SET lock_configuration = true")

    def _run(self, sql: str, arrow: bool = False) -> tuple[list[str], Any]:
        """(column names, rows) of ``sql``, the rows as an Arrow table when ``arrow``."""
        timer = threading.Timer(self.timeout_s, self.con.interrupt)
        timer.start()
        try:
            if arrow:  # a relation's Arrow output avoids the DB-API cursor's extra copy
                rel = self.con.sql(sql)
                return list(rel.columns), rel.to_arrow_table()
            cur = self.con.execute(sql)
            return [d[0] for d in cur.description], cur.fetchall()
        except duckdb.InterruptException:
            raise RuleError(f"CustomSql exceeded its time limit of {self.timeout_s:g} s") from None
        except duckdb.Error as exc:
            msg = str(exc).strip().splitlines()[0]
            raise RuleError(f"CustomSql failed: {msg}") from None
        finally:
            timer.cancel()

    def __call__(self, sql: str, row_mode: bool) -> dict[str, Any]:
        query = rewrite_primary(sql, self.aliases).strip().rstrip(";")
        if not row_mode:
            names, rows = self._run(query)
            if len(rows) != 1 or len(names) != 1:
                raise RuleError(
                    f"CustomSql with a condition must return one row with one column; "
                    f"got {len(rows)} row(s) and {len(names)} column(s)"
                )
            return {"scalar": rows[0][0]}
        names, _ = self._run(f"SELECT * FROM ({query}) LIMIT 0")
        pcols = primary_columns(names, self.columns)
        on = " AND ".join(
            f"p.{qident(c)} IS NOT DISTINCT FROM q.{qident(n)}"
            for n, c in zip(names, pcols, strict=True)
        )
        _, rows = self._run(
            f"SELECT (SELECT count(*) FROM {PRIMARY}) AS total, "
            f"(SELECT count(*) FROM {PRIMARY} p SEMI JOIN ({query}) q ON {on}) AS matched"
        )
        return {"total": rows[0][0], "matched": rows[0][1]}

    def rows(self, sql: str) -> tuple[list[str], list[str], Any]:
        """The row form's distinct returned rows, for the engine to match back to the primary
        rows: (returned column names, the primary columns they name, an Arrow table)."""
        query = rewrite_primary(sql, self.aliases).strip().rstrip(";")
        names, _ = self._run(f"SELECT * FROM ({query}) LIMIT 0")
        pcols = primary_columns(names, self.columns)
        # Distinct: duplicates match the same primary rows, and need not leave the sandbox.
        _, table = self._run(f"SELECT DISTINCT * FROM ({query})", arrow=True)
        return names, pcols, table

    def close(self) -> None:
        self.con.close()


def primary_columns(names: list[str], columns: list[str]) -> list[str]:
    """The primary columns a row-form CustomSql's result columns name (case-insensitively);
    a RuleError when one is not a primary column (the rows could not be matched back)."""
    lower = {c.lower(): c for c in columns}
    missing = [n for n in names if n.lower() not in lower]
    if missing:
        raise RuleError(
            "CustomSql without a condition must return columns of the primary dataset "
            f"(not {', '.join(missing)}); the rows it returns are the passing rows"
        )
    return [lower[n.lower()] for n in names]

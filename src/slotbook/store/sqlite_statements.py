"""Statements for SQLite's own driver, run on a connection's own thread
(`Database.write_at_once`): each compiled once by SQLAlchemy's SQLite dialect, its values
bound and its columns read by the column types' own processors, so a row written so is
the row SQLAlchemy writes (an instant as `UTCDateTime`'s fixed-width UTC text, a day as
SQLite's date text) and each statement has one definition. (`store.driver_sql` is
PostgreSQL's twin, where asyncpg itself takes and gives every value as it is.)"""

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ClauseElement
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.sql.compiler import SQLCompiler

_DIALECT = SQLiteDialect_aiosqlite()


def _bind_type(compiled: SQLCompiler, name: str) -> Any:
    """The type of the bound parameter `name` (one of an IN list's, `list_1_2`, has its
    list's, `list_1`)."""
    bind = compiled.binds[name if name in compiled.binds else name.rpartition("_")[0]]
    return bind.type


class Prepared:
    """A statement with the parameters `given` (by name; a bound parameter written in the
    statement, or a column of an INSERT), every other parameter a constant of it."""

    def __init__(self, statement: ClauseElement, *, given: Sequence[str]) -> None:
        compiled = statement.compile(
            dialect=_DIALECT,
            column_keys=list(given),
            compile_kwargs={"render_postcompile": True},  # IN lists of constants, inline
        )
        assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
        self.sql = compiled.string
        self._names = list(compiled.positiontup)
        self._given = frozenset(given)
        self._constants = compiled.construct_params(_check=False)
        self._binds = [
            _bind_type(compiled, n).dialect_impl(_DIALECT).bind_processor(_DIALECT)
            for n in self._names
        ]
        columns = getattr(statement, "exported_columns", ())
        self._reads = [
            c.type.dialect_impl(_DIALECT).result_processor(_DIALECT, None) for c in columns
        ]
        self.columns = [c.key for c in columns]

    def values(self, given: Mapping[str, Any]) -> tuple[Any, ...]:
        """The statement's parameters, in order, as the driver takes them."""
        return tuple(
            (bind(value) if bind else value)
            for name, bind in zip(self._names, self._binds, strict=True)
            for value in [given[name] if name in self._given else self._constants[name]]
        )

    def read(self, row: Sequence[Any]) -> dict[str, Any]:
        """A row of the statement's columns, by column, as SQLAlchemy reads them."""
        return {
            column: (read(value) if read else value)
            for column, read, value in zip(self.columns, self._reads, row, strict=True)
        }

    def run(self, conn: sqlite3.Connection, given: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run it with `given` on `conn` (on the connection's own thread); its rows."""
        return [self.read(row) for row in conn.execute(self.sql, self.values(given))]

    def run_many(self, conn: sqlite3.Connection, rows: Iterable[Mapping[str, Any]]) -> None:
        """Run it once for each of `rows` (a statement that returns nothing)."""
        conn.executemany(self.sql, [self.values(row) for row in rows])

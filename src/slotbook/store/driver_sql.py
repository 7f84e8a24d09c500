"""Hot statements of PostgreSQL built with SQLAlchemy Core, run straight on the driver.

Compiled once, they skip what SQLAlchemy does at every execution of a Core statement —
the compiled cache's lookup, the adapter's hop, bind and result processing — about
0.2 ms of CPU a statement on a 2-core machine. Only for values asyncpg takes and gives
back as they are: numbers, text, booleans, dates, and aware datetimes (which it gives
back in UTC, as `store.types.UTCDateTime` would). Run on a connection of
`Database.autocommit`, whose errors it maps, or on the driver of a unit of work outside
any transaction (`UnitOfWork.driver`: a read-only unit on PostgreSQL).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.dialects.postgresql import asyncpg as on_asyncpg
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

DIALECT = on_asyncpg.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """SQL text and the names of its parameters in the order it numbers them ($1, $2,
    …), with the values it was built with (those not given at execution)."""

    sql: str
    names: tuple[str, ...]
    built_with: Mapping[str, Any]

    @classmethod
    def of(cls, statement: ClauseElement) -> "DriverStatement":
        """`statement` compiled; an IN of values it was built with (`in_((a, b))`) becomes
        one parameter a value."""
        compiled = statement.compile(dialect=DIALECT)
        assert isinstance(compiled, SQLCompiler)
        expanded = compiled.construct_expanded_state(compiled.params)
        return cls(expanded.statement, tuple(expanded.positiontup or ()), expanded.parameters)

    def _values(self, params: Mapping[str, Any]) -> list[Any]:
        return [params[n] if n in params else self.built_with[n] for n in self.names]

    async def fetchrow(
        self, driver: asyncpg.Connection, params: Mapping[str, Any]
    ) -> asyncpg.Record | None:
        """Its first row (None: none), run with `params` by name."""
        return await driver.fetchrow(self.sql, *self._values(params))

    async def fetch(
        self, driver: asyncpg.Connection, params: Mapping[str, Any]
    ) -> list[asyncpg.Record]:
        """Its rows, run with `params` by name."""
        rows: list[asyncpg.Record] = await driver.fetch(self.sql, *self._values(params))
        return rows

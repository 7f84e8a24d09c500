"""Hot statements of PostgreSQL sent as plain SQL through the driver (`exec_driver_sql`).

Compiled once from SQLAlchemy Core, they skip what SQLAlchemy does again at every
execution of a Core statement — the compiled cache's lookup, bind and result processing
— about 0.13 ms of CPU a statement on a 2-core machine (a seat claim is two). Only for
values the driver takes and gives back as they are: numbers, text, booleans, dates, and
aware datetimes (which asyncpg gives back in UTC, as `store.types.UTCDateTime` would).
Errors, events and transactions are SQLAlchemy's as for any statement.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CursorResult
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from slotbook.engine import UnitOfWork

DIALECT = asyncpg.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """SQL text and the names of its parameters in the order it numbers them ($1, $2,
    …), with the values it was built with (those not given at execution)."""

    sql: str
    names: tuple[str, ...]
    built_with: Mapping[str, Any]

    @classmethod
    def of(cls, statement: ClauseElement) -> "DriverStatement":
        compiled = statement.compile(dialect=DIALECT)
        assert isinstance(compiled, SQLCompiler)
        return cls(str(compiled), tuple(compiled.positiontup or ()), compiled.params)

    async def execute(self, uow: UnitOfWork, params: Mapping[str, Any]) -> CursorResult[Any]:
        """Run it on the unit's connection (PostgreSQL), with `params` by name."""
        values = tuple(params[n] if n in params else self.built_with[n] for n in self.names)
        return await uow.conn.exec_driver_sql(self.sql, values)

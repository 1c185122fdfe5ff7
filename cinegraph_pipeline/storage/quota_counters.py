"""Daily quotas and budgets counted in the film database (table `quota_counters`).

A check-and-add is one `UPDATE ... SET used = used + :amount WHERE used + :amount <= :limit`
on a row created beforehand if missing: atomic on SQLite (one writer at a time) and on
PostgreSQL (the row lock re-evaluates the condition), so processes on any number of hosts
stop together at one shared limit.
"""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from cinegraph_pipeline.storage.models import QuotaCounter, utcnow
from cinegraph_pipeline.storage.writes import dialect_insert

# Dollar budgets add up floats: a sum that reaches the limit within this is within it.
_EPSILON = 1e-9


class DatabaseQuotaStore:
    """A `QuotaStore` (sources.http.limits) over the film database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_within(self, name: str, day: str, amount: float, limit: float) -> bool:
        table = QuotaCounter.__table__
        with self.engine.begin() as conn:
            conn.execute(
                dialect_insert(conn, table)
                .values(name=name, day=day, used=0.0, updated_at=utcnow())
                .on_conflict_do_nothing(index_elements=[table.c.name, table.c.day])
            )
            result = conn.execute(
                update(table)
                .where(
                    table.c.name == name,
                    table.c.day == day,
                    table.c.used + amount <= limit + _EPSILON,
                )
                .values(used=table.c.used + amount, updated_at=utcnow())
            )
        return result.rowcount == 1

    def set_used(self, name: str, day: str, used: float) -> None:
        table = QuotaCounter.__table__
        with self.engine.begin() as conn:
            stmt = dialect_insert(conn, table).values(
                name=name, day=day, used=used, updated_at=utcnow()
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[table.c.name, table.c.day],
                    set_={"used": stmt.excluded.used, "updated_at": stmt.excluded.updated_at},
                )
            )

    def used(self, name: str, day: str) -> float:
        with self.engine.connect() as conn:
            value = conn.scalar(
                select(QuotaCounter.used).where(QuotaCounter.name == name, QuotaCounter.day == day)
            )
        return float(value or 0.0)

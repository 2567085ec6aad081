"""How many rows a page says there are: exact up to a cap, "more than" past it.

Counting a province's or the country's findings for a number on a page costs more than the
page itself (bench/national.py: the national supervisor's home page took seconds to count
the findings awaiting review); the count stops one row past the cap instead."""

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from fieldapp.extensions import db


@dataclass(frozen=True)
class Count:
    """`number` rows, exactly; or, when `more`, more than `number` (the cap)."""

    number: int
    more: bool = False

    def __bool__(self) -> bool:
        return self.number > 0


def count_up_to(stmt: Select, cap: int) -> Count:
    """The rows of `stmt` (any select: its columns are not read), counted up to `cap`."""
    found = db.session.scalar(select(func.count()).select_from(stmt.limit(cap + 1).subquery()))
    return Count(cap, True) if found > cap else Count(found)

"""Watching a PostgreSQL backend wait for a row lock, for the tests of concurrent writes."""

import time

from sqlalchemy import text

from fieldapp import clock
from fieldapp.extensions import db


def waits_for_lock(pids: dict, name: str, failures: list, within_ms: int = 60_000) -> bool:
    """Whether the thread called `name` (its backend's pid in `pids` once it has one) comes
    to wait for a lock within the deadline; gives up early when a thread failed."""
    started = clock.stopwatch()
    while clock.elapsed_ms(started) < within_ms and not failures:
        if name in pids:
            waiting = db.session.execute(
                text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": pids[name]},
            ).scalar()
            db.session.rollback()
            if waiting:
                return True
        time.sleep(0.05)  # polling, with the deadline above
    return False

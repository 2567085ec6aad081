"""Venue registry imports as jobs on the queue (fieldapp/jobs.py).

An import's job may run more than once (a retry, a duplicate): run_import's claim makes every
run but one do nothing."""

import logging

from flask import current_app

from fieldapp import jobs
from fieldapp.extensions import db
from fieldapp.uploads import UploadStore
from fieldapp.venues.import_runs import fail_unqueued_run, run_import

log = logging.getLogger(__name__)


# Huey retries a job that failed before the run could record it (e.g. the database was
# unreachable); run_import records any later error on the run itself.
@jobs.task(retries=3, retry_delay=30)
def import_registry(run_id: int) -> None:
    """Import a confirmed registry file (see venues.import_runs.run_import)."""
    run_import(run_id, UploadStore(), current_app.config["IMPORT_TIMEOUT_MINUTES"])


def start_import(run_id: int) -> None:
    """Queue a recorded (committed) import's job; when the queue does not answer, the run
    fails at once, saying so, rather than wait for nothing."""
    try:
        import_registry(run_id)
    except Exception:  # Redis down, SQLite file unwritable...: the page tells the admin
        log.exception("the job queue refused venue import %s", run_id)
        db.session.rollback()
        fail_unqueued_run(run_id)

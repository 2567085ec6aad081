"""Poster batches as jobs on the queue (fieldapp/jobs.py), and their recovery.

A batch's job may run more than once (a retry, a batch queued again, two consumers'
checks): run_batch's claim makes every run but one do nothing."""

import logging
from pathlib import Path

from flask import current_app
from huey import crontab

from fieldapp import jobs
from fieldapp.extensions import db
from fieldapp.posters.render import register_fonts
from fieldapp.posters.service import (
    BatchSettings,
    fail_stuck_batches,
    fail_unqueued_batch,
    lost_batches,
    run_batch,
)

log = logging.getLogger(__name__)


def batch_settings(config) -> BatchSettings:
    return BatchSettings(
        folder=config["POSTER_FOLDER"],
        issuer_template=config["POSTER_ISSUER"],
        lease_seconds=config["BATCH_LEASE_SECONDS"],
        chunk=max(1, int(config["BATCH_CHUNK"])),
        page_delay=float(config["BATCH_TEST_PAGE_DELAY"]),
    )


# Huey retries a job that failed before the batch could record it (e.g. the database was
# unreachable); run_batch records any later error on the batch itself.
@jobs.task(retries=3, retry_delay=30)
def make_batch(batch_id: int) -> None:
    """Make a batch's PDF (see posters.service.run_batch)."""
    config = current_app.config
    register_fonts(Path(config["POSTER_FONT_DIR"]))
    run_batch(batch_id, batch_settings(config))


@jobs.periodic_task(crontab())
def recover_batches() -> None:
    """Every minute, and when a consumer starts: queue again the batches whose worker
    vanished in the middle (silent for BATCH_LEASE_SECONDS), and fail those stuck for
    BATCH_TIMEOUT_MINUTES (the office may try them again)."""
    config = current_app.config
    fail_stuck_batches(config["BATCH_TIMEOUT_MINUTES"])
    db.session.commit()
    for batch_id in lost_batches(config["BATCH_LEASE_SECONDS"]):
        log.warning("poster batch %s lost its worker: queued again", batch_id)
        make_batch(batch_id)


def start_batch(batch_id: int) -> None:
    """Queue a recorded (committed) batch's job; when the queue does not answer, the batch
    fails at once, saying so, rather than wait for nothing."""
    try:
        make_batch(batch_id)
    except Exception:  # Redis down, SQLite file unwritable...: the page tells the office
        log.exception("the job queue refused poster batch %s", batch_id)
        db.session.rollback()
        fail_unqueued_batch(batch_id)

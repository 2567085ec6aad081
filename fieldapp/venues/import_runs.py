"""A confirmed venue registry import, run by a job on the queue (fieldapp/venues/tasks.py).

The preview stays in the request (fieldapp/venues/importer.py checks every row); the confirm
records a VenueImport (create_run) that names the waiting file, then the job reads the file
again, checks it again (the registry may have changed meanwhile) and writes it. A job may run
more than once (a retry, a duplicate): run_import's claim makes every run but one do nothing,
and the import's writes and the run's "done" are one commit.
"""

import json
import logging
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import District, User, VenueImport
from fieldapp.uploads import UploadStore
from fieldapp.venues.importer import ImportReport, apply_import, check_venues

log = logging.getLogger(__name__)

UNQUEUED = "unqueued"  # the error of a run the job queue refused
STUCK = "stuck"  # what the page shows for a run silent past the timeout


class ImportFailed(Exception):
    """The run cannot import its file; the message (lazily translated) says why."""


def create_run(
    district: District, user: User, file_key: str, source: str, update_registered: bool
) -> VenueImport:
    """Record an import to run; the caller commits, then queues its job."""
    run = VenueImport(
        district_id=district.id,
        requested_by_id=user.id,
        file_key=file_key,
        source=source[:200],
        update_registered=update_registered,
    )
    db.session.add(run)
    db.session.flush()
    return run


def pending_run(file_key: str) -> VenueImport | None:
    """The import of this waiting file that is queued or running, if any: a file confirmed
    twice is imported once."""
    return db.session.scalar(
        select(VenueImport).where(
            VenueImport.file_key == file_key, VenueImport.state.in_(("waiting", "running"))
        )
    )


def _claim(run_id: int, timeout_minutes: float) -> bool:
    """Take a waiting run (one atomic UPDATE): False when another run took it, or it is over.
    A run that waited past the timeout (its page says it failed) fails, and never runs late."""
    now = clock.utcnow()
    fresh = VenueImport.created_at >= now - timedelta(minutes=timeout_minutes)
    claimed = db.session.execute(
        update(VenueImport)
        .where(VenueImport.id == run_id, VenueImport.state == "waiting", fresh)
        .values(state="running", started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.execute(
            update(VenueImport)
            .where(VenueImport.id == run_id, VenueImport.state == "waiting", ~fresh)
            .values(state="failed", error=STUCK, finished_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return claimed == 1


def _finish(run_id: int, *conditions, **values) -> bool:
    """Record the end of the running run (when the conditions hold too), in the current
    transaction: False, and nothing changed, when it is no longer running."""
    held = db.session.execute(
        update(VenueImport)
        .where(VenueImport.id == run_id, VenueImport.state == "running", *conditions)
        .values(finished_at=clock.utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    return held == 1


def _refusals(report: ImportReport) -> str:
    """The refused rows and their reasons, as the run keeps them (translated now)."""
    return json.dumps(
        [
            [row.number, " ".join(str(problem.message) for problem in row.problems)]
            for row in report.rows_to("refuse")
        ],
        ensure_ascii=False,
    )


def run_import(run_id: int, uploads: UploadStore, timeout_minutes: float) -> None:
    """Import a run's file if this job claims the run; record the result on the run. The
    venues are written in the transaction that marks the run done, and only while it is within
    the timeout (past it, its page says it failed: it then writes nothing)."""
    if not _claim(run_id, timeout_minutes):
        return
    run = db.session.get(VenueImport, run_id)
    user, key = run.requested_by, run.file_key
    # The messages kept for the page are in the language of whoever asked.
    with force_locale(user.locale or "vi"):
        try:
            report = _import(run, uploads)
            in_time = VenueImport.started_at >= clock.utcnow() - timedelta(minutes=timeout_minutes)
            done = _finish(
                run_id,
                in_time,
                state="done",
                created=len(report.venues),
                updated=len(report.updated),
                unchanged=len(report.rows_to("unchanged")),
                refusals=_refusals(report),
            )
            if not done:
                raise ImportFailed(STUCK)
            db.session.commit()
        except Exception as error:  # the run's page shows it; no venue is written
            db.session.rollback()
            if isinstance(error, ImportFailed):
                message = str(error.args[0])
            else:
                log.exception("venue import %s failed", run_id)
                message = str(error)
            _finish(run_id, state="failed", error=message[:300])
            db.session.commit()
            return
    uploads.forget(key)


def _import(run: VenueImport, uploads: UploadStore) -> ImportReport:
    """Check the run's file again and write its good rows (not committed)."""
    try:
        content = uploads.read(run.file_key)
    except FileNotFoundError:
        raise ImportFailed(_l("The uploaded file has expired; choose it again.")) from None
    report = check_venues(content, run.district, run.file_key, run.update_registered)
    if report.refused is not None:
        raise ImportFailed(report.refused)
    return apply_import(report, run.requested_by)


def fail_unqueued_run(run_id: int) -> None:
    """The job queue refused the run: it fails at once, saying so. The caller rolled back."""
    db.session.execute(
        update(VenueImport)
        .where(VenueImport.id == run_id, VenueImport.state == "waiting")
        .values(state="failed", error=UNQUEUED, finished_at=clock.utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def shown_state(run: VenueImport, timeout_minutes: float) -> str:
    """The state the admin sees: a run waiting or running, silent past the timeout, is
    "stuck" (failed: nothing was written, the file may be imported again)."""
    last = run.started_at or run.created_at
    silent = last < clock.utcnow() - timedelta(minutes=timeout_minutes)
    if (run.state in ("waiting", "running") and silent) or run.error == STUCK:
        return STUCK
    return run.state

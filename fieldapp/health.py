"""/healthz: does this server answer, with the services it needs?

200 `{"status": "ok"}` when every check answers, 503 `{"status": "unavailable"}` otherwise:
for nginx, a load balancer or a monitor. No log-in, no details (which service failed, and
why, goes to the log only), never cached.
"""

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text

from fieldapp import jobs, storage
from fieldapp.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def database() -> bool:
    """The database answers a query."""
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return True


# Each check answers True when its service answers; raising counts as False.
CHECKS = [database, storage.check, jobs.check]


def _name(check) -> str:
    return f"{check.__module__}.{check.__name__}"


def failed_checks() -> list[str]:
    """The names of the checks that did not answer (every check runs)."""
    failed = []
    for check in CHECKS:
        try:
            answered = check()
        except Exception:
            log.warning("Health check %s failed", _name(check), exc_info=True)
            answered = False
        if not answered:
            failed.append(_name(check))
    return failed


@bp.route("/healthz")
def healthz():
    """200 when the database, the photo storage and the job queue answer; 503 otherwise."""
    healthy = not failed_checks()
    body = jsonify(status="ok" if healthy else "unavailable")
    return body, 200 if healthy else 503, {"Cache-Control": "no-store"}

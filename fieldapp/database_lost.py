"""A request that lost the database answers 503 with Retry-After, not 500.

While PostgreSQL restarts (or fails over), a request either finds its connection cut
("terminating connection due to administrator command": SQLAlchemy marks the connection
invalidated and the pool drops it) or cannot open one ("connection refused", "the database
system is starting up": the error comes from the connect, with no statement). Either way
nothing was committed, and the same request sent again in a moment succeeds: the pool opens
new connections (`pool_pre_ping`, config.py), and the phone's outbox sends a finding again
with the same UUID. Any other database error is a bug and stays a 500.
"""

from flask import Flask, current_app, jsonify, render_template
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, OperationalError

from fieldapp.fragments import wants_json

RETRY_AFTER_S = 5


def is_database_lost(error: BaseException) -> bool:
    """True when the error says the database could not be reached, not that a query was
    wrong: a connection cut under a statement, or a connection that could not be opened."""
    if not isinstance(error, DBAPIError):
        return False
    return error.connection_invalidated or (
        isinstance(error, OperationalError) and error.statement is None
    )


def database_lost(error: DBAPIError):
    """503 and Retry-After for a lost database; a page, or JSON for the outbox."""
    if not is_database_lost(error):
        raise error  # a bug: Flask's 500, with the traceback in the log
    current_app.logger.error("The database did not answer: %s", error.orig)
    title = _("Try again in a moment")
    message = _(
        "The database does not answer. Nothing was recorded: send again in a moment "
        "(a finding waiting on the phone is sent again by itself)."
    )
    headers = {"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"}
    if wants_json():
        return jsonify(status="retry", title=title, message=message), 503, headers
    page = render_template("errors/error.html", status=503, title=title, message=message)
    return page, 503, headers


def init_database_lost(app: Flask) -> None:
    """Answer 503 with Retry-After when a request lost the database."""
    app.register_error_handler(DBAPIError, database_lost)

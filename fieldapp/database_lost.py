"""A request that lost the database answers 503 with Retry-After, not 500.

While PostgreSQL restarts (or fails over), a request either finds its connection cut
("terminating connection due to administrator command": SQLAlchemy marks the connection
invalidated) or cannot open one ("connection refused", "the database system is shutting
down": the error comes from the connect, with no statement). Either way nothing was
committed, and the same request sent again in a moment succeeds: the pool opens new
connections (`pool_pre_ping`, config.py), and the phone's outbox sends a finding again with
the same UUID. Any other database error is a bug and stays a 500.

The answer itself must not need the database: the session's connections are dropped without
a ROLLBACK (the server is gone), the page stands alone (the layout reads the user's district),
and when the login could not be read the rest of the request sees nobody logged in, marked
`g.login_unknown` so that the phone's login mark is left as it is (offline/session_mark.py).
The session cookie is not written: the browser keeps the one it came with.
The same holds at the end of any request: a ROLLBACK that finds the server gone drops the
connections instead of failing a request that was answered.
"""

from flask import Flask, current_app, g, jsonify, session
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from fieldapp.extensions import db, login_manager
from fieldapp.fragments import wants_json
from fieldapp.models import User

RETRY_AFTER_S = 5


def is_database_lost(error: BaseException) -> bool:
    """True when the error says the database could not be reached, not that a query was
    wrong: a connection cut under a statement, or a connection that could not be opened."""
    if not isinstance(error, DBAPIError):
        return False
    return error.connection_invalidated or (
        isinstance(error, OperationalError) and error.statement is None
    )


def _login_known() -> bool:
    """Whether the logged-in user (or nobody) is known: read before the error, or readable
    now."""
    try:
        current_user.is_authenticated  # noqa: B018 (loads the user if not loaded yet)
    except SQLAlchemyError:
        db.session().invalidate()
        return False
    return True


def answered_user_id() -> int | None:
    """The id of the user this request is answered for, None for nobody, read without the
    database where it can be: for the after-request hooks (the phone's login mark, the
    cache header, the request log), which run after the route's commit. The commit expired
    the user's attributes, and reading them again asks a database that may have just gone:
    a finding recorded would be answered 500. When the login cannot be read at all, the
    request is marked `g.login_unknown` and nobody is returned."""
    if g.get("login_unknown"):
        return None
    if "_login_user" not in g and not _login_known():  # nobody has asked yet, and cannot
        login_manager._update_request_context_with_user()
        g.login_unknown = True
        return None
    user = g.get("_login_user")
    if not isinstance(user, User):
        return None  # Flask-Login's anonymous user
    # A user loaded for this request is enabled (auth/sessions.py refuses the others).
    identity = inspect(user).identity
    return identity[0] if identity else None


def _page(title: str, message: str) -> str:
    """A page of its own: the layout would read the database for the header."""
    return (
        f'<!doctype html><html lang="{escape(session.get("locale") or "vi")}"><head>'
        f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
        f"<p>{escape(message)}</p></main></body></html>"
    )


def database_lost(error: DBAPIError):
    """503 and Retry-After for a lost database; a page, or JSON for the outbox."""
    if not is_database_lost(error):
        raise error  # a bug: Flask's 500, with the traceback in the log
    current_app.logger.error("The database did not answer: %s", error.orig)
    db.session().invalidate()  # no ROLLBACK on a connection whose server is gone
    # Nothing was recorded, so the browser keeps the session it came with (a log-in cut
    # short before its commit is not a log-in: the form's CSRF token stays valid).
    logged_in_here = session.modified
    session.modified = False
    if logged_in_here or not _login_known():
        # The rest of the request sees nobody, and looks nobody up.
        login_manager._update_request_context_with_user()
        g.login_unknown = True
    locale = current_user.locale if current_user.is_authenticated else session.get("locale")
    with force_locale(locale if locale in current_app.config["LANGUAGES"] else "vi"):
        title = _("Try again in a moment")
        message = _(
            "The database does not answer. Nothing was recorded: send again in a moment "
            "(a finding waiting on the phone is sent again by itself)."
        )
        headers = {"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"}
        if wants_json():
            return jsonify(status="retry", title=title, message=message), 503, headers
        return _page(title, message), 503, headers


def release_session(error: BaseException | None) -> None:
    """End the request's session; connections whose server is gone are dropped, not rolled
    back (runs before Flask-SQLAlchemy's own teardown, which then finds nothing to do)."""
    try:
        db.session.close()
    except DBAPIError as lost:
        if not is_database_lost(lost):
            raise
        db.session().invalidate()


def init_database_lost(app: Flask) -> None:
    """Answer 503 with Retry-After when a request lost the database."""
    app.register_error_handler(DBAPIError, database_lost)
    app.teardown_appcontext(release_session)

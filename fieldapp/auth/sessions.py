"""Logging in, and sessions that end on the server.

Flask-Login keeps a token in the session cookie, and in the remember-me cookie when the
user ticks "keep me logged in": the user's id, their session version, the moment of the
log-in and whether it is remembered. Every request checks it here (`user_for_token`): a
token of an older version (the user logged out, changed or was given a new password, or
was disabled), a session idle for too long or older than its lifetime is refused, so a
copied cookie replayed afterwards opens nothing.
"""

from flask import current_app, g, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models import District, User
from fieldapp.models.user import dummy_hash, password_matches

SEEN_AT = "seen_at"
# The last request's moment is written into the session at most once in this many seconds:
# writing it on every request made every answer re-sign and re-send the session cookie
# (CPU on the server, bytes on the phone's slow link). An idle session so ends between
# SESSION_IDLE_MINUTES and that plus this step after its last request.
SEEN_AT_STEP = 60
CSRF_KEY = "csrf_token"  # where Flask-WTF keeps the session's CSRF secret


def _now() -> int:
    return int(clock.now().timestamp())


def user_named(username: str) -> User | None:
    """The user with this username as the log-in reads it, enabled or not."""
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


# What a disabled (locked) account is told: at a log-in with its right password (never with
# a wrong one, which tells nothing of the lock), and when a session it had open ends.
LOCKED_MESSAGE = _l("This account is locked. Contact your district's administrator.")
LOCKED_FLAG = "fieldapp_account_locked"


class AccountLocked(Exception):
    """The password was right, but the account is disabled."""

    def __init__(self, user: User):
        super().__init__(user.username)
        self.user = user


def authenticate(username: str, password: str) -> User | None:
    """The enabled user with this username and password, or None for a wrong username or
    password. A disabled account with its right password raises AccountLocked: only who
    knows the password learns of the lock. An unknown username checks the password against
    a dummy hash, so it takes as long as a known one."""
    user = user_named(username)
    if user is None:
        password_matches(dummy_hash(), password)
        return None
    if not user.check_password(password):
        return None
    if not user.is_enabled:
        raise AccountLocked(user)
    return user


def session_of_a_locked_account() -> bool:
    """Whether this request carried a session (or remember-me cookie) of an account that has
    been disabled since: the log-in page then says the account is locked."""
    return bool(g.get(LOCKED_FLAG))


def session_token(user: User, started: int, remembered: bool) -> str:
    return f"{user.id}:{user.session_version}:{started}:{int(remembered)}"


def _new_csrf_token() -> None:
    """Replace the session's CSRF secret now: a token of the previous user (or of before
    the log-out) is refused from here on. Made here, not when a page is rendered, because
    streamed pages render after the session cookie is written."""
    session.pop(CSRF_KEY, None)
    g.pop(CSRF_KEY, None)
    generate_csrf()


def begin_session(user: User, remember: bool) -> None:
    """Log the user in on this browser, with a new CSRF token."""
    _new_csrf_token()
    login_user(user, remember=remember)
    now = _now()
    # Flask-Login writes this into the remember-me cookie too, at the end of the request.
    session["_user_id"] = session_token(user, now, remember)
    session[SEEN_AT] = now


def end_session(user: User) -> None:
    """Log out: every session and remember-me cookie of the user ends (the caller commits),
    and this browser gets a new CSRF token."""
    user.end_sessions()
    logout_user()
    session.pop(SEEN_AT, None)
    _new_csrf_token()


def user_for_token(token: str, with_places: bool = False) -> User | None:
    """The user a session's (or remember-me cookie's) token stands for, if it is still valid.

    `with_places` loads the user's district and province in the same query (a whole page
    names them in its top bar; a fragment or a JSON answer does not)."""
    parts = token.split(":")
    if len(parts) != 4 or not all(part.isdigit() and len(part) < 19 for part in parts):
        return None  # a token from before session versions, or not one of ours
    user_id, version, started, remembered = (int(part) for part in parts)
    places = [joinedload(User.district).joinedload(District.province)] if with_places else []
    user = db.session.get(User, user_id, options=places)
    if user is not None and not user.is_enabled:
        g.setdefault(LOCKED_FLAG, True)
    if user is None or not user.is_enabled or user.session_version != version:
        return None
    config = current_app.config
    now = _now()
    if remembered:
        lifetime = config["REMEMBER_DAYS"] * 24 * 3600
    else:
        lifetime = config["SESSION_LIFETIME_HOURS"] * 3600
        seen = session.get(SEEN_AT)
        if seen is None or now - seen > config["SESSION_IDLE_MINUTES"] * 60:
            return None
    if not 0 <= now - started <= lifetime:
        return None
    if now - session.get(SEEN_AT, 0) >= SEEN_AT_STEP:
        session[SEEN_AT] = now
    return user


def renew_session(user: User) -> None:
    """Keep this browser logged in after the user's own password change (which ended every
    session), remembered as it was."""
    token = session.get("_user_id", "")
    begin_session(user, remember=token.endswith(":1"))

"""Logging in and out."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from limits import parse as parse_limit

from fieldapp.audit import record_event
from fieldapp.auth import devices, limits
from fieldapp.auth.forms import LoginForm
from fieldapp.auth.same_origin import safe_next
from fieldapp.auth.sessions import (
    LOCKED_MESSAGE,
    AccountLocked,
    authenticate,
    begin_session,
    end_session,
    user_named,
)
from fieldapp.extensions import db, limiter
from fieldapp.fragments import wants_json

bp = Blueprint("auth", __name__)
ONE_A_MINUTE = parse_limit("1/minute")


def _attempted_account() -> str:
    """The rate limit's key per account: the username tried, as the log-in reads it; from a
    browser where that account logged in before, that browser's own (auth/devices.py), so
    a stranger's wrong guesses do not keep the owner out."""
    username = _tried_username().lower()
    device = devices.known_device(username)
    return f"account:{username}" + (f":device:{device}" if device else "")


def _from_a_known_device() -> bool:
    """Whether this log-in comes from a browser where the account tried logged in before."""
    return request.method == "POST" and devices.known_device(_tried_username()) is not None


def _tried_username() -> str:
    """The username a log-in tried, bounded: kept in the audit trail, never the password."""
    return request.form.get("username", "").strip()[:50]


def _record_failed(action: str) -> None:
    """Audit a refused log-in under the district of the account it tried, if one exists."""
    tried = _tried_username()
    if action == "login_limited" and not _first_refusal_this_minute():
        return  # an address going on past the limits writes one entry a minute, not each
    account = user_named(tried) if tried else None
    record_event(
        action,
        None,
        entity="session",
        detail={"username": tried},
        district_id=account.district_id if account else None,
    )
    db.session.commit()


def _first_refusal_this_minute() -> bool:
    """Whether this is the first refusal by the limits from this address in the current
    minute (counted in the limits' own storage, not the audit table): by address alone, so
    that trying a new username each time writes no more."""
    return limiter.limiter.hit(ONE_A_MINUTE, "login-limited-audit", get_remote_address() or "")


def _failed(response) -> bool:
    """Only attempts that fail count towards the limits: a right password never does, nor
    a log-in the server could not finish (a 5xx: the database was lost, database_lost.py)."""
    return response.status_code != 303 and response.status_code < 500


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMITS_PER_ACCOUNT"],
    key_func=_attempted_account,
    methods=["POST"],
    deduct_when=_failed,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMITS_PER_ADDRESS"],
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_failed,
    # Guessing many usernames from one address (an office's Wi-Fi, a carrier's NAT shared
    # with strangers) must not keep out a phone logging in to an account it knows: that
    # phone's guesses are held by its own budget above.
    exempt_when=_from_a_known_device,
)
def login():
    """Show the log-in form; log the user in on valid credentials."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data)
        except AccountLocked:
            # A failed attempt all the same: it counts towards the limits (status 422).
            error = str(LOCKED_MESSAGE)
            _record_failed("login_locked")
        else:
            if user is not None:
                begin_session(user, remember=form.remember.data)
                record_event("login", user, entity="session")
                db.session.commit()
                response = redirect(safe_next(request.args.get("next")), code=303)
                devices.remember_device(response, form.username.data)
                return response
            error = _("Wrong username or password.")
            _record_failed("login_failed")
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.errorhandler(429)
def login_limited(error):
    """Too many failed log-ins: the form again, with the username kept and when to retry."""
    seconds = limits.wait_seconds()
    _record_failed("login_limited")
    if wants_json():
        return limits.limited_json(seconds)
    page = render_template("auth/login.html", form=LoginForm(), error=limits.wait_message(seconds))
    return page, 429, {"Retry-After": str(seconds)}


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out, here and on every other phone, and go back to the log-in page."""
    user = current_user._get_current_object()
    record_event("logout", user, entity="session")
    end_session(user)
    db.session.commit()
    # logged_out tells the phone to drop its cached pages: they show this user's data.
    return redirect(url_for("auth.login", logged_out=1), code=303)

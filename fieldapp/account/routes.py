"""The user's own settings: the interface language and their password."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from fieldapp.auth.same_origin import safe_next
from fieldapp.auth.sessions import renew_session
from fieldapp.extensions import db, limiter
from fieldapp.fragments import wants_json
from fieldapp.users.forms import PasswordForm
from fieldapp.users.service import AccountProblem, choose_password, record_account_event

bp = Blueprint("account", __name__, url_prefix="/account")

# What a user who must replace a one-time password may still open.
OPEN_BEFORE_A_NEW_PASSWORD = {"account.password", "account.set_language", "auth.logout", "static"}


@bp.before_app_request
def ask_for_a_new_password():
    """After a reset (or a new account), every page leads to the password form first."""
    if (
        request.endpoint in OPEN_BEFORE_A_NEW_PASSWORD
        or (request.blueprint or "") == "offline"
        or not current_user.is_authenticated
        or not current_user.must_change_password
    ):
        return None
    target = url_for("account.password")
    if request.headers.get("HX-Request"):
        return "", 204, {"HX-Redirect": target}
    if wants_json():
        message = _("Choose a new password before anything else.")
        return jsonify(status="password", login_url=target, message=message), 403
    return redirect(target)


WRONG_CURRENT_PASSWORD = "fieldapp.wrong_current_password"


def _own_account() -> str:
    """The key of the limit on guessing one's current password (from a session left open)."""
    return f"password:{getattr(current_user, 'id', None)}"


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMITS_PER_ACCOUNT"],
    key_func=_own_account,
    methods=["POST"],
    deduct_when=lambda response: request.environ.get(WRONG_CURRENT_PASSWORD, False),
)
@login_required
def password():
    """Change one's own password (the current one is asked); other sessions end."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.check_password(form.current.data):
            form.current.errors.append(_("This is not your current password."))
            request.environ[WRONG_CURRENT_PASSWORD] = True  # only this counts towards the limit
        elif form.new.data == form.current.data:
            form.new.errors.append(_("Choose a password different from the current one."))
        else:
            try:
                choose_password(user, form.new.data)
            except AccountProblem as problem:
                form.new.errors.append(problem.message)
            else:
                record_account_event("password_changed", user, user)
                db.session.commit()
                renew_session(user)  # this phone stays logged in; the others do not
                flash(_("Your password was changed. Other phones are logged out."), "success")
                return redirect(url_for("home.index"), code=303)
    status = 422 if request.method == "POST" else 200
    page = render_template("account/password.html", form=form)
    return page, status, {"Cache-Control": "no-store"}


@bp.route("/csrf-token")
@login_required
def csrf_token():
    """A CSRF token for this session, for the outbox to send what it holds."""
    # The user id lets the outbox send only what this user queued on a shared phone.
    response = jsonify(csrf_token=generate_csrf(), user_id=current_user.id)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language (kept on the account, or in the session)."""
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    refresh()  # Flask-Babel keeps the locale it chose on `g`: what follows uses the new one
    return redirect(safe_next(request.form.get("next")), code=303)

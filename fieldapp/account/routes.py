"""The user's own settings: the interface language."""

from flask import Blueprint, abort, current_app, jsonify, redirect, request, session
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from fieldapp.auth.same_origin import safe_next
from fieldapp.extensions import db

bp = Blueprint("account", __name__, url_prefix="/account")


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
    return redirect(safe_next(request.form.get("next")), code=303)

"""Logging in and out."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from fieldapp.auth.forms import LoginForm
from fieldapp.auth.same_origin import safe_next
from fieldapp.extensions import db
from fieldapp.models import User

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the log-in form; log the user in on valid credentials."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = db.session.scalar(
            select(User).where(User.username == form.username.data.strip().lower())
        )
        if user is not None and user.is_enabled and user.check_password(form.password.data):
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")), code=303)
        error = _("Wrong username or password.")
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out and go back to the log-in page."""
    logout_user()
    # logged_out tells the phone to drop its cached pages: they show this user's data.
    return redirect(url_for("auth.login", logged_out=1), code=303)

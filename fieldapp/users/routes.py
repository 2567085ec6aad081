"""The admin's accounts screen: list, create, edit, disable and re-enable, reset a password."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from fieldapp.access import (
    admins_only,
    district_or_none,
    managed_users,
    user_districts,
    user_or_404,
)
from fieldapp.assignments.service import cancel_all_of, open_assignments
from fieldapp.extensions import db
from fieldapp.models import Role, User
from fieldapp.users.forms import EditUserForm, NewUserForm
from fieldapp.users.labels import ROLE_LABELS, SCOPE_LABELS
from fieldapp.users.service import (
    AccountProblem,
    account_fields,
    create_user_with_one_time_password,
    edit_user,
    record_account_event,
    reset_password,
    set_enabled,
)

bp = Blueprint("users", __name__, url_prefix="/users")

NO_STORE = {"Cache-Control": "no-store"}


def _render(template: str, status: int = 200, **context):
    return (
        render_template(template, role_labels=ROLE_LABELS, scope_labels=SCOPE_LABELS, **context),
        status,
    )


def _one_time_page(user: User, one_time: str, created: bool):
    """The one-time password, shown once and never kept by a cache."""
    page, status = _render("users/one_time.html", user=user, one_time=one_time, created=created)
    return page, status, NO_STORE


@bp.route("")
@login_required
@admins_only
def index():
    """The accounts the admin manages (their district's), enabled first, by name."""
    users = db.session.scalars(
        managed_users().order_by(User.is_enabled.desc(), User.display_name, User.username)
    ).all()
    return _render("users/index.html", users=users)[0]


@bp.route("/new", methods=["GET", "POST"])
@login_required
@admins_only
def new():
    """Create an account; its one-time password is shown once."""
    form = NewUserForm()
    districts = user_districts()
    form.district_id.choices = [(d.id, d.name) for d in districts]
    if request.method == "GET":
        form.district_id.data = current_user.district_id
    if form.validate_on_submit():
        district = district_or_none(form.district_id.data)
        try:
            user, one_time = create_user_with_one_time_password(
                form.username.data,
                form.display_name.data,
                form.role.data,
                district,
                form.scope.data,
            )
        except AccountProblem as problem:
            getattr(form, problem.field).errors.append(problem.message)
        else:
            record_account_event("user_created", user, current_user, **account_fields(user))
            db.session.commit()
            return _one_time_page(user, one_time, created=True)
    status = 422 if request.method == "POST" else 200
    return _render("users/new.html", status, form=form)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@login_required
@admins_only
def edit(user_id: int):
    """Change an account's name, role and scope; disable, enable or reset from here."""
    user = user_or_404(user_id)
    form = EditUserForm(obj=user)
    if form.validate_on_submit():
        if user.id == current_user.id and form.role.data != user.role:
            form.role.errors.append(_("You cannot change your own role."))
        else:
            # An inspector given another role can no longer record their visits: say which
            # go, and cancel them only once the admin ticked that they should.
            inspector = Role.INSPECTOR.value
            leaving = user.role == inspector and form.role.data != inspector
            assigned = open_assignments(user) if leaving else []
            if assigned and request.form.get("cancel_assignments") != "yes":
                form.role.errors.append(
                    ngettext(
                        "%(num)s open assignment would be left with nobody to do it: tick the"
                        " box below to cancel it (its venue goes back to the lists to assign).",
                        "%(num)s open assignments would be left with nobody to do them: tick"
                        " the box below to cancel them (their venues go back to the lists to"
                        " assign).",
                        len(assigned),
                    )
                )
                return _render("users/edit.html", 422, form=form, user=user, assigned=assigned)
            before = account_fields(user)
            try:
                edit_user(user, form.display_name.data, form.role.data, form.scope.data)
            except AccountProblem as problem:
                getattr(form, problem.field).errors.append(problem.message)
            else:
                record_account_event("user_edited", user, current_user, before)
                cancelled = cancel_all_of(user, current_user) if assigned else []
                db.session.commit()
                flash(_("Saved."), "success")
                _say_cancelled(cancelled)
                return redirect(url_for("users.edit", user_id=user.id), code=303)
    status = 422 if request.method == "POST" else 200
    return _render("users/edit.html", status, form=form, user=user)


@bp.route("/<int:user_id>/disable", methods=["POST"])
@login_required
@admins_only
def disable(user_id: int):
    """Disable an account once the admin has confirmed it: it cannot log in, and every
    session it has ends."""
    user = user_or_404(user_id)
    if user.id == current_user.id:
        flash(_("You cannot disable your own account."), "error")
        return redirect(url_for("users.edit", user_id=user.id), code=303)
    if request.form.get("confirm") != "yes":
        return _render("users/confirm_disable.html", user=user, assigned=open_assignments(user))[0]
    set_enabled(user, False)
    record_account_event("user_disabled", user, current_user)
    cancelled = cancel_all_of(user, current_user)
    db.session.commit()
    flash(_("%(name)s can no longer log in.", name=user.display_name), "success")
    _say_cancelled(cancelled)
    return redirect(url_for("users.edit", user_id=user.id), code=303)


def _say_cancelled(cancelled: list) -> None:
    """After an account left an inspector's work: which visits are to be assigned again."""
    if cancelled:
        flash(
            ngettext(
                "Its open assignment was cancelled: the venue is back in the lists to assign.",
                "Its %(num)s open assignments were cancelled: the venues are back in the lists"
                " to assign.",
                len(cancelled),
            ),
            "info",
        )


@bp.route("/<int:user_id>/enable", methods=["POST"])
@login_required
@admins_only
def enable(user_id: int):
    user = user_or_404(user_id)
    set_enabled(user, True)
    record_account_event("user_enabled", user, current_user)
    db.session.commit()
    flash(_("%(name)s can log in again.", name=user.display_name), "success")
    return redirect(url_for("users.edit", user_id=user.id), code=303)


@bp.route("/<int:user_id>/reset-password", methods=["POST"])
@login_required
@admins_only
def reset(user_id: int):
    """Give the account a one-time password, shown once, once the admin has confirmed it
    (as disabling asks first): its sessions end on every phone."""
    user = user_or_404(user_id)
    if user.id == current_user.id:
        flash(_("Change your own password from “My password”."), "error")
        return redirect(url_for("users.edit", user_id=user.id), code=303)
    if request.form.get("confirm") != "yes":
        return _render("users/confirm_reset.html", user=user)[0]
    one_time = reset_password(user)
    record_account_event("password_reset", user, current_user)
    db.session.commit()
    return _one_time_page(user, one_time, created=False)

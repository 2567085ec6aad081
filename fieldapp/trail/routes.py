"""The audit trail, for the admins of its districts: read only, newest first, filtered and
paged. No route edits or deletes an entry."""

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from fieldapp import clock
from fieldapp.access import admins_only, district_users
from fieldapp.audit import ALL_ACTION_LABELS, ENTITY_LABELS, TRAIL_PAGE_SIZE, trail_query
from fieldapp.extensions import db
from fieldapp.fragments import id_param
from fieldapp.models import User

bp = Blueprint("trail", __name__)

FILTERS = ("user", "action", "from", "to", "entity", "record")


@bp.route("/audit")
@login_required
@admins_only
def index():
    """Entries of the admin's district(s), filtered by user, action, days and record."""
    args = request.args
    users = db.session.scalars(district_users().order_by(User.display_name, User.username)).all()
    errors = {}
    user_id = action = entity = entity_id = start = end = None
    if args.get("user"):
        user_id = id_param(args["user"])
        if user_id not in {user.id for user in users}:
            errors["user"] = _("Choose a user of the list.")
    if args.get("action"):
        action = args["action"]
        if action not in ALL_ACTION_LABELS:
            errors["action"] = _("Choose an action of the list.")
    first, last = clock.parse_day(args.get("from")), clock.parse_day(args.get("to"))
    if args.get("from") and first is None:
        errors["from"] = _("Enter a date as DD/MM/YYYY.")
    if args.get("to") and last is None:
        errors["to"] = _("Enter a date as DD/MM/YYYY.")
    if first is not None:
        start = clock.day_start(first)
    if last is not None:
        end = clock.day_end(last)
    if args.get("entity"):
        entity = args["entity"]
        if entity not in ENTITY_LABELS:
            errors["entity"] = _("Choose a kind of record of the list.")
    if args.get("record"):
        entity_id = id_param(args["record"])
        if entity_id is None:
            errors["record"] = _("Enter a record number.")
    page = id_param(args.get("page")) or 1
    entries, pages = [], 1
    if not errors:
        query = trail_query(
            current_user.district_ids,
            user_id=user_id,
            action=action,
            start=start,
            end=end,
            entity=entity,
            entity_id=entity_id,
        )
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        pages = max(1, -(-total // TRAIL_PAGE_SIZE))
        page = min(page, pages)
        entries = db.session.scalars(
            query.limit(TRAIL_PAGE_SIZE).offset((page - 1) * TRAIL_PAGE_SIZE)
        ).all()
    filters = {
        key: args.get(key, "")[:100] for key in ("user", "action", "from", "to", "entity", "record")
    }
    page_html = render_template(
        "trail/index.html",
        entries=entries,
        users=users,
        errors=errors,
        filters=filters,
        action_labels=ALL_ACTION_LABELS,
        entities=ENTITY_LABELS,
        page=page,
        pages=pages,
    )
    return page_html, 422 if errors else 200, {"Cache-Control": "no-store"}

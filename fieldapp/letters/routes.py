"""The weekly letter: a district's letter template (settings), and the letter of a report
date on the report page, whose sections 2 and 3 the supervisor edits before export."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from fieldapp import clock
from fieldapp.access import district_or_404, office_only
from fieldapp.extensions import db
from fieldapp.fragments import wants_fragment
from fieldapp.letters import sending, service
from fieldapp.letters.compose import district_letter
from fieldapp.models import District
from fieldapp.reports.deadlines import send_refusal
from fieldapp.reports.routes import refuse_a_future_date
from fieldapp.reports.weekly import build_report, plausible_report_date

bp = Blueprint("letters", __name__, url_prefix="/letters")


@bp.context_processor
def letter_formatting():
    return {"vn_day": clock.day_text}


def _back_day(text: str | None) -> date | None:
    """The report date the settings page was opened from (its back link), if any."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if plausible_report_date(day) else None


@bp.route("/<int:district_id>/template", methods=["GET", "POST"])
@login_required
@office_only
def template(district_id: int):
    """The district's letter template: the parts that stay from week to week."""
    district = district_or_404(district_id)
    day = _back_day(request.values.get("day"))
    settings = service.settings_for(district)
    if request.method == "GET":
        return _template_page(district, settings, day, service.form_values(settings), {})
    checked = service.check_template(request.form)
    if checked.errors:
        return _template_page(district, settings, day, checked.values, checked.errors, 422)
    _save_once(lambda: service.save_template(district, checked, current_user))
    flash(_("The letter template of %(district)s is saved.", district=district.name), "success")
    return redirect(url_for("letters.template", district_id=district.id, day=day), code=303)


def _save_once(save) -> None:
    """Save and commit; when a simultaneous request (a double submit) inserted the same
    district's (and date's) row first, save again over it rather than fail."""
    try:
        save()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        save()
        db.session.commit()


def _template_page(district, settings, day, values, errors, status=200):
    back = (
        url_for("reports.district_report", district_id=district.id, day=day)
        if day
        else url_for("reports.index")
    )
    return render_template(
        "letters/template.html",
        district=district,
        settings=settings,
        fields=service.FIELDS,
        values=values,
        errors=errors,
        day=day,
        back=back,
        updated_at=clock.moment_text(settings.updated_at),
    ), status


def _letter_context(district: District, day: date, values=None, errors=None, report=None) -> dict:
    """What the letter's fragment shows: the letter, its edit (who, when) and the form's
    texts (what was typed on an error, else the letter's parts)."""
    report = report or build_report([district], day, "district")
    settings = service.settings_for(district)
    edit = service.edit_for(district, day)
    drafts = service.drafts_for(report, district, settings)
    if values is None:
        texts = service.edited_texts(drafts, edit)
        values = {name: service.paragraphs_text(texts[name]) for name in service.EDITED_TEXTS}
        values["number"] = (edit.number if edit else None) or ""
    return {
        "district": district,
        "day": day,
        "letter": district_letter(report, district, settings, edit, drafts),
        "edit": edit,
        "edited_at": clock.moment_text(edit.edited_at) if edit else "",
        "values": values,
        "errors": errors or {},
        "parts": service.edited_headings(district),
        "edited_fields": {
            name for name in service.EDITED_TEXTS if edit and getattr(edit, name) is not None
        },
        "department_code": settings.department_code,
        "warnings": service.letter_warnings(report, settings),
        **_sent_context(district, day),
    }


def _letter_response(context: dict, status: int = 200):
    template = "letters/_letter.html" if wants_fragment() else "letters/letter.html"
    return render_template(template, **context), status


@bp.route("/<int:district_id>/<isodate:day>", methods=["GET", "POST"])
@login_required
@office_only
def report_letter(district_id: int, day: date):
    """The letter of a district's report date: its parts, and the form editing its number
    and sections 2 and 3 (the page, or its fragment on the report page)."""
    district = district_or_404(district_id)
    refuse_a_future_date(day)
    if request.method == "GET":
        return _letter_response(_letter_context(district, day))
    checked = service.check_edit(request.form)
    if checked.errors:
        return _letter_response(_letter_context(district, day, checked.values, checked.errors), 422)
    report = build_report([district], day, "district")
    drafts = service.drafts_for(report, district, service.settings_for(district))
    _save_once(lambda: service.save_edit(district, day, checked, drafts, current_user))
    if wants_fragment():
        page, status = _letter_response(
            _letter_context(district, day, report=report) | {"saved": True}
        )
        # Saved, the screen lands on the export buttons and the "sent" part below the form
        # (an error, swapped without this, stays where the user typed).
        return page, status, {"HX-Reswap": "outerHTML show:#letter-sent:bottom"}
    flash(_("The letter of %(date)s is saved.", date=clock.day_text(day)), "success")
    return redirect(url_for("reports.district_report", district_id=district.id, day=day), code=303)


@bp.route("/<int:district_id>/<isodate:day>/draft", methods=["POST"])
@login_required
@office_only
def revert(district_id: int, day: date):
    """Go back to the generated draft of the report date's letter (after a confirmation)."""
    district = district_or_404(district_id)
    refuse_a_future_date(day)
    service.revert_edit(district, day, current_user)
    db.session.commit()
    if wants_fragment():
        return _letter_response(_letter_context(district, day))
    flash(_("The letter of %(date)s is back to the draft.", date=clock.day_text(day)), "info")
    return redirect(url_for("reports.district_report", district_id=district.id, day=day), code=303)


# Marking the letter as sent to the province, and undoing it: each asks first ------------


def _sent_context(district: District, day: date) -> dict:
    """What the letter's "sent" part shows: the mark (who, when), and whether this user
    may mark it or undo it (the district's own office)."""
    sent = sending.sent_mark(district, day)
    return {
        "district": district,
        "day": day,
        "sent": sent,
        "can_mark": sending.may_mark_sent(current_user, district),
        # Why it cannot be marked (no figures, a date the deadlines page does not count).
        "refusal": None if sent else send_refusal(district, day, clock.utcnow()),
    }


def _report_page(district: District, day: date):
    return url_for("reports.district_report", district_id=district.id, day=day)


@bp.route("/<int:district_id>/<isodate:day>/sent", methods=["GET"])
@login_required
@office_only
def sent_state(district_id: int, day: date):
    """Whether the letter of the report date is marked as sent (the fragment a cancelled
    confirmation swaps back); without htmx, the report page."""
    district = district_or_404(district_id)
    refuse_a_future_date(day)
    if not wants_fragment():
        return redirect(_report_page(district, day))
    return render_template("letters/_sent.html", **_sent_context(district, day))


def _sent_step(district: District, day: date, undo: bool):
    """Ask first (the confirmation, as a fragment for htmx or a page), then mark or undo
    the mark once confirmed; audited. Only the district's own office (403 otherwise)."""
    if not sending.may_mark_sent(current_user, district):
        abort(403)
    refuse_a_future_date(day)
    context = _sent_context(district, day) | {"undo": undo}
    if not undo and context["refusal"] and context["sent"] is None:
        # Refused, saying why (the confirmation's place shows it; nothing is recorded).
        template = "letters/_sent.html" if wants_fragment() else "letters/sent_confirm.html"
        return render_template(template, **context, back=_report_page(district, day)), 422
    if request.form.get("confirm") != "yes":
        template = "letters/_sent_confirm.html" if wants_fragment() else "letters/sent_confirm.html"
        return render_template(template, **context, back=_report_page(district, day))
    changed = (sending.unmark_sent if undo else sending.mark_sent)(district, day, current_user)
    db.session.commit()
    if undo:
        message = _("The letter of %(date)s is no longer marked as sent.", date=clock.day_text(day))
    elif changed:
        message = _("The letter of %(date)s is marked as sent.", date=clock.day_text(day))
    else:
        message = _("The letter of %(date)s was already marked as sent.", date=clock.day_text(day))
    if wants_fragment():
        context = _sent_context(district, day) | {"message": message}
        return render_template("letters/_sent.html", **context)
    flash(message, "success")
    return redirect(_report_page(district, day), code=303)


@bp.route("/<int:district_id>/<isodate:day>/sent", methods=["POST"])
@login_required
@office_only
def mark_sent(district_id: int, day: date):
    """Mark the letter of the report date as sent to the province, once confirmed."""
    return _sent_step(district_or_404(district_id), day, undo=False)


@bp.route("/<int:district_id>/<isodate:day>/sent/undo", methods=["POST"])
@login_required
@office_only
def unmark_sent(district_id: int, day: date):
    """Undo the letter's mark as sent, once confirmed."""
    return _sent_step(district_or_404(district_id), day, undo=True)

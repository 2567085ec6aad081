"""The weekly report: import the national figures (with a preview), type them in, see, export."""

from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BaseConverter, ValidationError

from fieldapp import clock
from fieldapp.access import (
    asked_district_or_404,
    country_only,
    district_or_404,
    district_or_none,
    office_only,
    province_only,
    province_or_404,
    user_districts,
)
from fieldapp.extensions import db
from fieldapp.fragments import id_param, wants_fragment
from fieldapp.import_samples import figures_sample
from fieldapp.models import District, Province
from fieldapp.models.user import COUNTRY_NAME
from fieldapp.reports import exports
from fieldapp.reports.appendix import appendix_headers, appendix_rows, label_columns
from fieldapp.reports.chart import bar_chart
from fieldapp.reports.deadlines import (
    WEEKDAY_LABELS,
    DeadlineInvalid,
    deadline_rule,
    letter_holding_figures,
    parse_rule,
    province_deadlines,
    save_rule,
)
from fieldapp.reports.figures import (
    COUNTS,
    FIELD_LABELS,
    REQUIRED,
    SheetUnreadable,
    apply_import,
    check_typed_figures,
    field_name,
    figures_on,
    preview_import,
    read_sheet,
    removal_field,
    removal_key,
    report_date_problem,
    save_typed_figures,
)
from fieldapp.reports.findings import COUNTED_NOTE_UI
from fieldapp.reports.labels import MEASURE_LABELS
from fieldapp.reports.notice import (
    GroupRule,
    section_one,
    title,
    unit_name,
    vn_date,
    vn_decimal,
    vn_month,
    vn_number,
    vn_percent,
    vn_signed,
)
from fieldapp.reports.trends import (
    TREND_MEASURES,
    report_trends,
    trend_chart,
    trend_measure,
)
from fieldapp.reports.weekly import (
    MEASURES,
    WeeklyReport,
    build_report,
    communes_in_official_order,
    district_month_report,
    month_bounds,
    national_month_report,
    plausible_report_date,
    province_month_report,
    report_dates,
    report_days,
    report_months,
)
from fieldapp.reports.weekly import national_report as weekly_national_report
from fieldapp.reports.weekly import province_report as weekly_province_report
from fieldapp.uploads import UploadRefused, UploadStore

bp = Blueprint("reports", __name__, url_prefix="/reports")


class IsoDateConverter(BaseConverter):
    """A report date in a URL: 2021-11-12; anything else is not found."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValidationError() from None
        if not plausible_report_date(day):
            raise ValidationError()
        return day

    def to_url(self, value: date) -> str:
        return value.isoformat()


class YearMonthConverter(BaseConverter):
    """A report's month in a URL: 2021-11 (its first day in Python); anything else, such as
    2021-13 or 0000-01, is not found."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> date:
        year, month = (int(part) for part in value.split("-"))
        try:
            first = date(year, month, 1)
        except ValueError:
            raise ValidationError() from None
        if not plausible_report_date(first):
            raise ValidationError()
        return first

    def to_url(self, value: date) -> str:
        return f"{value.year:04d}-{value.month:02d}"


bp.record_once(lambda state: state.app.url_map.converters.setdefault("isodate", IsoDateConverter))
bp.record_once(
    lambda state: state.app.url_map.converters.setdefault("yearmonth", YearMonthConverter)
)


@bp.context_processor
def report_formatting():
    return {
        "vn_number": vn_number,
        "vn_percent": vn_percent,
        "vn_signed": vn_signed,
        "vn_decimal": vn_decimal,
        "vn_day": vn_date,
        "vn_month": vn_month,
        "unit_name": unit_name,
        "field_labels": FIELD_LABELS,
        "measures": MEASURES,
        "measure_labels": MEASURE_LABELS,
        "counted_note": COUNTED_NOTE_UI,
    }


def refuse_a_future_date(day: date, month: bool = False) -> None:
    """A report or a letter of a date still to come (with `month`, of a month not begun,
    `day` its first day) is not found, saying why (the rule is the figures' own,
    `report_date_problem`): there is nothing to compare it with, and a letter edited for it
    would be kept for a week that has not happened."""
    problem = report_date_problem(day, clock.today(), month)
    if problem:
        page = render_template("reports/future_date.html", message=problem, today=clock.today())
        abort(make_response(page, 404))


def parse_day(text: str | None) -> date | None:
    """A date typed as 12/11/2021 or sent by a date input as 2021-11-12."""
    day = clock.parse_day(text)
    return day if day is not None and plausible_report_date(day) else None


@bp.route("")
@login_required
@office_only
def index():
    """The report dates and months with figures, the latest first; import or type in a new
    week. A national supervisor gets the country's summaries (each leads to its provinces,
    then to their districts) rather than a list of every district."""
    districts = user_districts()  # in Vietnamese order, kept under each date
    by_date: dict[date, list] = {}
    if not current_user.sees_country:
        names = {d.id: d for d in districts}
        position = {d.id: n for n, d in enumerate(districts)}
        rows = sorted(report_dates(list(names)), key=lambda row: position[row[1]])
        for day, district_id, count in rows:
            by_date.setdefault(day, []).append((names[district_id], count))
    days = report_days(None if current_user.sees_country else current_user.district_ids)
    return render_template(
        "reports/index.html",
        by_date=sorted(by_date.items(), reverse=True),
        national_days=days[:LATEST] if current_user.sees_country else [],
        month_links=_month_links(report_months(days)[:LATEST], districts),
        districts=districts,
        today=clock.today(),
        figures_date=default_report_date(current_user.district),
    )


# How many of the latest report dates and months the index offers.
LATEST = 12


def _month_links(months: list[date], districts: list[District]) -> dict[date, list]:
    """For each month, (label, URL) of the reports the user may open: the country's, their
    province's, or each of their districts'."""
    links: dict[date, list] = {}
    for month in months:
        if current_user.sees_country:
            links[month] = [(COUNTRY_NAME, report_url("country", None, month=month))]
        elif current_user.sees_province:
            province = current_user.district.province
            links[month] = [(province.name, report_url("province", province.id, month=month))]
        else:
            links[month] = [(d.name, report_url("district", d.id, month=month)) for d in districts]
    return links


# Importing a spreadsheet -------------------------------------------------------------------


def default_report_date(district: District) -> date:
    """The figures date a form starts with: the district's last report day on or before
    today (its province's weekday, fieldapp/reports/deadlines.py)."""
    return deadline_rule(district.province_id).last_on_or_before(clock.today())


def weekday_warning(district: District, day: date | None) -> str | None:
    """A warning, not a refusal, when figures are dated another weekday than the report's."""
    rule = deadline_rule(district.province_id)
    if day is None or rule.is_report_day(day):
        return None
    return _(
        "%(date)s is a %(weekday)s: the report day is %(report_weekday)s. Check the date "
        "(the figures are saved for the date you choose).",
        date=vn_date(day),
        weekday=WEEKDAY_LABELS[day.weekday()],
        report_weekday=WEEKDAY_LABELS[rule.weekday],
    )


def _import_page(status=200, **context):
    context.setdefault("form", {})
    context.setdefault("districts", user_districts())
    district = district_or_none(id_param(context["form"].get("district")))
    district = district or current_user.district
    rule = deadline_rule(district.province_id)
    return render_template(
        "reports/import.html",
        today=clock.today(),
        report_weekday=rule.weekday,
        report_weekday_label=WEEKDAY_LABELS[rule.weekday],
        date_warning=weekday_warning(district, parse_day(context["form"].get("date"))),
        **context,
    ), status


@bp.route("/import", methods=["GET", "POST"])
@login_required
@office_only
def import_figures():
    """Upload a spreadsheet, check the preview, map unknown columns, then import."""
    if request.method == "GET":
        # "Choose another file" comes back with the date and district chosen before.
        district = district_or_none(id_param(request.args.get("district")))
        district = district or current_user.district
        day = parse_day(request.args.get("date")) or default_report_date(district)
        return _import_page(form={"date": day.isoformat(), "district": str(district.id)})
    form = request.form
    district = district_or_none(id_param(form.get("district")) or current_user.district_id)
    if district is None:
        return _import_page(422, error=_("Choose one of your districts."), form=form)
    report_date = parse_day(form.get("date"))
    if report_date is None:
        return _import_page(422, error=_("Enter the report date, as DD/MM/YYYY."), form=form)

    try:
        uploads = UploadStore()
        received = uploads.receive(current_user.id, form, request.files)
    except UploadRefused as refusal:
        return _import_page(422, error=str(refusal), form=form)
    token, source = received.token, received.source
    try:
        sheet = read_sheet(received.content, received.name)
    except SheetUnreadable as error:
        uploads.discard(received)
        return _import_page(422, error=str(error), form=form)

    mapping = _mapping_from(form, len(sheet.headers)) if form.get("mapped") else None
    preview = preview_import(
        sheet,
        district,
        report_date,
        clock.today(),
        mapping,
        remove_omitted=form.get("remove_omitted") == "1",
    )
    if form.get("action") == "apply":
        if not preview.can_apply:
            return _preview_page(preview, token, source, 422)
        saved = apply_import(preview, current_user, source)
        db.session.commit()
        uploads.discard(received)
        flash(
            _(
                "%(n)s communes' figures imported for %(date)s; %(refused)s rows refused.",
                n=saved,
                date=vn_date(report_date),
                refused=len(preview.refused),
            ),
            "success",
        )
        return redirect(
            url_for("reports.district_report", district_id=district.id, day=report_date), code=303
        )
    return _preview_page(preview, token, source, 422 if preview.date_problem else 200)


@bp.route("/import/sample")
@login_required
@office_only
def import_sample():
    """The figures' sample file: the official appendix's columns, and example rows of the
    user's district (or of the district chosen)."""
    district = asked_district_or_404(request.args.get("district"))
    return figures_sample(district).download()


def _mapping_from(form, width: int) -> dict[str, int]:
    """The columns the user chose for each field; an unchosen field stays unmapped."""
    mapping = {}
    for name in FIELD_LABELS:
        column = form.get(f"map-{name}", "")
        if column.isascii() and column.isdigit() and int(column) < width:
            mapping[name] = int(column)
    return mapping


def _preview_page(preview, token: str, source: str, status: int):
    template = "reports/_preview.html" if wants_fragment() else "reports/import.html"
    return render_template(
        template,
        preview=preview,
        token=token,
        source=source,
        districts=user_districts(),
        today=clock.today(),
        required=REQUIRED,
        form={"district": str(preview.district.id), "date": preview.report_date.isoformat()},
        date_warning=weekday_warning(preview.district, preview.report_date),
    ), status


# Typing figures in by hand ------------------------------------------------------------------


@bp.route("/<int:district_id>/<isodate:day>/figures", methods=["GET", "POST"])
@login_required
@office_only
def enter_figures(district_id: int, day: date):
    """One line per commune: the national figures of this report date, typed in."""
    district = district_or_404(district_id)
    communes = communes_in_official_order(district.communes)
    existing = figures_on(communes, day)
    if request.method == "GET":
        if problem := report_date_problem(day, clock.today()):
            # Refused before anything is typed (the same rule refuses the post), with the
            # way to the latest report day figures may be given for.
            return render_template(
                "reports/figures_future.html",
                district=district,
                message=problem,
                latest=default_report_date(district),
                today=clock.today(),
            ), 404
        values = {
            field_name(name, c): _typed(getattr(existing[c.id], name))
            for c in communes
            if c.id in existing
            for name in COUNTS
        }
        # Back from the removal's confirmation: the form as typed, not as stored.
        pending = _take_pending_figures(district, day, communes)
        if pending is not None:
            values = pending["values"]
        return render_template(
            "reports/figures.html",
            district=district,
            day=day,
            communes=communes,
            values=values,
            errors={},
            existing=existing,
            remove=pending["remove"] if pending is not None else set(),
            restored=pending is not None,
            date_warning=weekday_warning(district, day),
            sent_letter=letter_holding_figures(district, day),
        )
    values = {
        field_name(name, c): request.form.get(field_name(name, c), "").strip()
        for c in communes
        for name in COUNTS
    }
    remove = {c.id for c in communes if request.form.get(removal_field(c))}
    page = {
        "district": district,
        "day": day,
        "communes": communes,
        "values": values,
        "existing": existing,
        "date_warning": weekday_warning(district, day),
        "sent_letter": letter_holding_figures(district, day),
    }
    session.pop(PENDING_FIGURES, None)
    if request.form.get("cancel_removal"):
        # "No, go back" on the confirmation: the form again, as typed, nothing ticked.
        return render_template(
            "reports/figures.html", **page, errors={}, remove=set(), removal_cancelled=True
        )
    typed = check_typed_figures(communes, existing, values, day, clock.today(), remove)
    if typed.errors:
        return render_template(
            "reports/figures.html", **page, errors=typed.errors, remove=remove
        ), 422
    if typed.cleared and request.form.get("confirm_removal") != removal_key(typed):
        # Removing figures asks first, saying which (the commune, the date, the figures).
        # What was typed waits in the session: the phone's Back shows the form with it.
        session[PENDING_FIGURES] = {
            "district": district.id,
            "day": day.isoformat(),
            "values": {key: value for key, value in values.items() if value},
            "remove": sorted(remove),
        }
        return render_template(
            "reports/figures_confirm.html",
            **page,
            remove=remove,
            cleared=sorted(typed.cleared, key=lambda row: communes.index(row.commune)),
            saved=len(typed.entries),
            key=removal_key(typed),
        )
    removed = [row.commune.name for row in typed.cleared]  # named before they are deleted
    save_typed_figures(typed, day, current_user)
    db.session.commit()
    if typed.entries:
        flash(
            _(
                "Figures of %(n)s communes saved for %(date)s.",
                n=len(typed.entries),
                date=vn_date(day),
            ),
            "success",
        )
    if removed:
        flash(_("Figures removed for: %(names)s.", names=", ".join(removed)), "info")
    return redirect(url_for("reports.district_report", district_id=district.id, day=day), code=303)


def _typed(value) -> str:
    return "" if value is None else str(value)


# The figures form as typed when the removal's confirmation was shown, kept until the form
# is opened again (Back from the confirmation) or posted: {"district", "day", "values",
# "remove"}.
PENDING_FIGURES = "pending_figures"


def _take_pending_figures(district, day: date, communes) -> dict | None:
    """The form as typed before the removal's confirmation, once (it leaves the session),
    when it is of this district and date; only the fields of its communes."""
    pending = session.get(PENDING_FIGURES)
    if (
        not isinstance(pending, dict)
        or pending.get("district") != district.id
        or pending.get("day") != day.isoformat()
    ):
        return None
    session.pop(PENDING_FIGURES)
    fields = {field_name(name, c) for c in communes for name in COUNTS}
    ids = {c.id for c in communes}
    typed = pending.get("values") or {}
    return {
        "values": {key: str(typed[key]) for key in fields if typed.get(key)},
        "remove": {i for i in pending.get("remove") or [] if i in ids},
    }


@bp.route("/figures", methods=["GET"])
@login_required
@office_only
def pick_figures_date():
    """The manual entry form's date and district, then its page."""
    district = asked_district_or_404(request.args.get("district"))
    day = parse_day(request.args.get("date"))
    if day is None:
        flash(_("Enter the report date, as DD/MM/YYYY."), "error")
        return redirect(url_for("reports.index"), code=303)
    return redirect(url_for("reports.enter_figures", district_id=district.id, day=day))


# The report and its exports -----------------------------------------------------------------
# Every report page (a district's, a province's, the country's; of a report date or of a
# calendar month) is drawn by `_report_page` and downloaded by `_download`; the routes only
# check access and say which report. Where a page links to (its rows, its exports, the way
# back) is decided by `report_url`, one place for every level.

ENDPOINTS = {
    # (level, of a month): (the page's endpoint, the export's endpoint, the unit's argument)
    ("district", False): ("reports.district_report", "reports.district_export", "district_id"),
    ("district", True): ("reports.district_month", "reports.district_month_export", "district_id"),
    ("province", False): ("reports.province_day", "reports.province_day_export", "province_id"),
    ("province", True): ("reports.province_month", "reports.province_month_export", "province_id"),
    ("country", False): ("reports.national_report", "reports.national_export", None),
    ("country", True): ("reports.national_month", "reports.national_month_export", None),
}
# The level of a report's rows, by the report's level: a row links to that report.
ROW_LEVELS = {"country": "province", "province": "district"}


def report_url(
    level: str, unit_id: int | None, day: date | None = None, month: date | None = None, fmt=None
) -> str:
    """The page (or with `fmt`, the download) of a report of a level, a unit (a district's
    or province's id; None for the country) and a report date or a month."""
    page, export, unit = ENDPOINTS[(level, month is not None)]
    values = {"month": month} if month is not None else {"day": day}
    if unit is not None:
        values[unit] = unit_id
    if fmt:
        values["fmt"] = fmt
    return url_for(export if fmt else page, **values)


def _screen_locale() -> str:
    """The user's language, in which a page's charts write their numbers (the documents
    keep Vietnamese: fieldapp/reports/exports.py draws them with the default)."""
    return str(get_locale() or "vi")


def _measure() -> str:
    measure = request.args.get("measure", "scans")
    return measure if measure in MEASURES else "scans"


def _trail(report: WeeklyReport, district: District | None) -> list:
    """The way back up, as (label, URL): the reports' index, then the country and the
    province above this report, as far as the user sees."""
    when = {"month": report.month} if report.month else {"day": report.report_date}
    trail = [(_("Weekly reports"), url_for("reports.index"))]
    if current_user.sees_country and report.level != "country":
        trail.append((COUNTRY_NAME, report_url("country", None, **when)))
    if current_user.sees_province and report.level == "district" and district is not None:
        trail.append((district.province.name, report_url("province", district.province_id, **when)))
    return trail


def _report_page(report: WeeklyReport, unit_id: int | None, district: District | None = None):
    """A report's page (or its chart, for htmx): rows linking down to their own reports."""
    when = {"month": report.month} if report.month else {"day": report.report_date}
    here = report_url(report.level, unit_id, **when)
    if wants_fragment() and request.headers.get("HX-Target") == TREND_TARGET:
        return render_template("reports/_trends.html", trend=_report_trend(report, unit_id))
    chart = bar_chart(report, _measure(), _screen_locale())
    if wants_fragment():
        return render_template("reports/_chart.html", chart=chart, report=report)
    row_level = ROW_LEVELS.get(report.level)
    row_links = (
        {row.unit_id: report_url(row_level, row.unit_id, **when) for row in report.rows}
        if row_level
        else {}
    )
    if report.month:
        first, last = month_bounds(report.month)
        nearby = {
            "previous": month_bounds(first - timedelta(days=1))[0],
            "next": last + timedelta(days=1),
        }
        months = {
            name: report_url(report.level, unit_id, month=month)
            for name, month in nearby.items()
            if plausible_report_date(month) and month <= clock.today()
        }
    else:
        months = {"this": report_url(report.level, unit_id, month=report.report_date)}
    return render_template(
        "reports/report.html",
        report=report,
        chart=chart,
        district=district,
        here=here,
        export_urls={
            fmt: report_url(report.level, unit_id, fmt=fmt, **when) for fmt in exports.FORMATS
        },
        row_links=row_links,
        months=months,
        trail=_trail(report, district),
        notice=section_one(report, GroupRule()),
        title=title(report),
        appendix=appendix_rows(report),
        appendix_headers=appendix_headers(report),
        appendix_name_column=label_columns(report),
        trend=_report_trend(report, unit_id),
    )


def _download(report, fmt: str, district: District | None = None, province: Province | None = None):
    """The report as a file to save, never cached by a shared cache: the letter (PDF,
    DOCX) of the district, or of the province or the country (`district` None), or the
    appendix (CSV, XLSX). The export is audited (under the district for a district's
    report, under none for a province's or the country's)."""
    content = exports.export_report(report, fmt, current_app.config, district, province)
    # A download asked by another site (a link in a message opened while logged in) is
    # audited as such, and is no sign that the office exported its letter (deadlines.py).
    elsewhere = (
        {"from_elsewhere": True} if request.headers.get("Sec-Fetch-Site") == "cross-site" else {}
    )
    exports.record_export(report, fmt, current_user, district.id if district else None, **elsewhere)
    db.session.commit()
    response = current_app.response_class(content, content_type=exports.FORMATS[fmt])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{exports.file_name(report, fmt)}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


EXPORT = "<any(csv, xlsx, pdf, docx):fmt>"


# A district's report: its supervisors, and those who see its province or the country.


@bp.route("/<int:district_id>/<isodate:day>")
@login_required
@office_only
def district_report(district_id: int, day: date):
    """A district's weekly report on a date: one row per commune."""
    district = district_or_404(district_id)
    refuse_a_future_date(day)
    return _report_page(build_report([district], day, "district"), district.id, district)


@bp.route(f"/<int:district_id>/<isodate:day>.{EXPORT}")
@login_required
@office_only
def district_export(district_id: int, day: date, fmt: str):
    district = district_or_404(district_id)
    refuse_a_future_date(day)
    return _download(build_report([district], day, "district"), fmt, district)


@bp.route("/<int:district_id>/month/<yearmonth:month>")
@login_required
@office_only
def district_month(district_id: int, month: date):
    """A district's report of a calendar month: one row per commune."""
    district = district_or_404(district_id)
    refuse_a_future_date(month, month=True)
    return _report_page(district_month_report(district, month), district.id, district)


@bp.route(f"/<int:district_id>/month/<yearmonth:month>.{EXPORT}")
@login_required
@office_only
def district_month_export(district_id: int, month: date, fmt: str):
    district = district_or_404(district_id)
    refuse_a_future_date(month, month=True)
    return _download(district_month_report(district, month), fmt, district)


# A province's report: one row per district, for those who see the whole province.


@bp.route("/province/<isodate:day>")
@login_required
@province_only
def province_report(day: date):
    """The weekly report of the user's own province: one row per district."""
    province = current_user.district.province
    refuse_a_future_date(day)
    return _report_page(weekly_province_report(province, day), province.id)


@bp.route(f"/province/<isodate:day>.{EXPORT}")
@login_required
@province_only
def province_export(day: date, fmt: str):
    province = current_user.district.province
    refuse_a_future_date(day)
    return _download(weekly_province_report(province, day), fmt, province=province)


@bp.route("/province/<int:province_id>/<isodate:day>")
@login_required
@province_only
def province_day(province_id: int, day: date):
    """A province's weekly report (its own supervisors', any for a national supervisor)."""
    province = province_or_404(province_id)
    refuse_a_future_date(day)
    return _report_page(weekly_province_report(province, day), province.id)


@bp.route(f"/province/<int:province_id>/<isodate:day>.{EXPORT}")
@login_required
@province_only
def province_day_export(province_id: int, day: date, fmt: str):
    province = province_or_404(province_id)
    refuse_a_future_date(day)
    return _download(weekly_province_report(province, day), fmt, province=province)


@bp.route("/province/<int:province_id>/month/<yearmonth:month>")
@login_required
@province_only
def province_month(province_id: int, month: date):
    """A province's report of a calendar month: one row per district."""
    province = province_or_404(province_id)
    refuse_a_future_date(month, month=True)
    return _report_page(province_month_report(province, month), province.id)


@bp.route(f"/province/<int:province_id>/month/<yearmonth:month>.{EXPORT}")
@login_required
@province_only
def province_month_export(province_id: int, month: date, fmt: str):
    province = province_or_404(province_id)
    refuse_a_future_date(month, month=True)
    return _download(province_month_report(province, month), fmt)


# The national summary: one row per province, for national supervisors.


@bp.route("/country/<isodate:day>")
@login_required
@country_only
def national_report(day: date):
    """The country's summary on a report date: one row per province."""
    refuse_a_future_date(day)
    return _report_page(weekly_national_report(day), None)


@bp.route(f"/country/<isodate:day>.{EXPORT}")
@login_required
@country_only
def national_export(day: date, fmt: str):
    refuse_a_future_date(day)
    return _download(weekly_national_report(day), fmt)


@bp.route("/country/month/<yearmonth:month>")
@login_required
@country_only
def national_month(month: date):
    """The country's summary of a calendar month: one row per province."""
    refuse_a_future_date(month, month=True)
    return _report_page(national_month_report(month), None)


@bp.route(f"/country/month/<yearmonth:month>.{EXPORT}")
@login_required
@country_only
def national_month_export(month: date, fmt: str):
    refuse_a_future_date(month, month=True)
    return _download(national_month_report(month), fmt)


# Trends on a report page: the same URL with ?trend=..., its fragment for htmx -------------
TREND_TARGET = "report-trends"


def _report_trend(report: WeeklyReport, unit_id: int | None) -> dict | None:
    """The trend chart of a report page (the measure from ?trend=), with the page's other
    query arguments for the picker to keep; None for a level without trends (the
    country's)."""
    trends = report_trends(report, unit_id)
    if trends is None:
        return None
    measure = trend_measure(request.args.get("trend"))
    return {
        "chart": trend_chart(trends, measure, _screen_locale()),
        "action": url_for(request.endpoint, **request.view_args),
        "keep": {name: value for name, value in request.args.items() if name != "trend"},
        "measures": TREND_MEASURES,
    }


# Deadlines: a province's view of its districts' letters, and its report weekday and time.


@bp.route("/province/<int:province_id>/deadlines")
@login_required
@province_only
def deadlines(province_id: int):
    """For each of the last due dates, which districts sent figures and their letter, and
    which are late."""
    province = province_or_404(province_id)
    now = clock.utcnow()
    return render_template(
        "reports/deadlines.html",
        province=province,
        table=province_deadlines(province, now),
        weekday_labels=WEEKDAY_LABELS,
    )


@bp.route("/province/<int:province_id>/deadlines/settings", methods=["GET", "POST"])
@login_required
@province_only
def deadline_settings(province_id: int):
    """The province's report weekday and time (Vietnam's), for its supervisors and admins."""
    province = province_or_404(province_id)
    rule = deadline_rule(province.id)
    form = {"weekday": str(rule.weekday), "time": rule.time_text}
    if request.method == "GET":
        return _deadline_settings_page(province, form)
    form = {"weekday": request.form.get("weekday", ""), "time": request.form.get("time", "")}
    try:
        rule = parse_rule(form["weekday"], form["time"])
    except DeadlineInvalid as error:
        return _deadline_settings_page(province, form, str(error), 422)
    if save_rule(province, rule, current_user):
        db.session.commit()
        flash(
            _(
                "Reports of %(province)s are now due every %(weekday)s at %(time)s.",
                province=province.name,
                weekday=WEEKDAY_LABELS[rule.weekday],
                time=rule.time_text,
            ),
            "success",
        )
    return redirect(url_for("reports.deadlines", province_id=province.id), code=303)


def _deadline_settings_page(province, form: dict, error: str | None = None, status: int = 200):
    return render_template(
        "reports/deadline_settings.html",
        province=province,
        form=form,
        error=error,
        weekday_labels=WEEKDAY_LABELS,
    ), status

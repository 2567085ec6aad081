"""The weekly report: import the national figures (with a preview), type them in, see, export."""

from datetime import date

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BaseConverter, ValidationError

from fieldapp import clock
from fieldapp.access import (
    district_or_404,
    district_or_none,
    office_only,
    province_only,
    user_districts,
)
from fieldapp.extensions import db
from fieldapp.fragments import id_param, wants_fragment
from fieldapp.places import in_vietnamese_order
from fieldapp.reports import exports
from fieldapp.reports.chart import bar_chart
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
    save_typed_figures,
)
from fieldapp.reports.labels import MEASURE_LABELS
from fieldapp.reports.notice import (
    appendix_headers,
    appendix_rows,
    notice_lines,
    title,
    unit_name,
    vn_date,
    vn_decimal,
    vn_number,
    vn_percent,
    vn_signed,
)
from fieldapp.reports.weekly import (
    MEASURES,
    build_report,
    plausible_report_date,
    report_dates,
)
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


bp.record_once(lambda state: state.app.url_map.converters.setdefault("isodate", IsoDateConverter))


@bp.context_processor
def report_formatting():
    return {
        "vn_number": vn_number,
        "vn_percent": vn_percent,
        "vn_signed": vn_signed,
        "vn_decimal": vn_decimal,
        "vn_day": vn_date,
        "unit_name": unit_name,
        "field_labels": FIELD_LABELS,
        "measures": MEASURES,
        "measure_labels": MEASURE_LABELS,
    }


def parse_day(text: str | None) -> date | None:
    """A date typed as 12/11/2021 or sent by a date input as 2021-11-12."""
    day = clock.parse_day(text)
    return day if day is not None and plausible_report_date(day) else None


@bp.route("")
@login_required
@office_only
def index():
    """The report dates with figures, the latest first; import or type in a new week."""
    districts = user_districts()  # in Vietnamese order, kept under each date
    names = {d.id: d for d in districts}
    position = {d.id: n for n, d in enumerate(districts)}
    by_date: dict[date, list] = {}
    rows = sorted(report_dates(list(names)), key=lambda row: position[row[1]])
    for day, district_id, count in rows:
        by_date.setdefault(day, []).append((names[district_id], count))
    return render_template(
        "reports/index.html",
        by_date=sorted(by_date.items(), reverse=True),
        districts=districts,
        today=clock.today(),
    )


# Importing a spreadsheet -------------------------------------------------------------------


def _import_page(status=200, **context):
    context.setdefault("form", {})
    context.setdefault("districts", user_districts())
    return render_template("reports/import.html", today=clock.today(), **context), status


@bp.route("/import", methods=["GET", "POST"])
@login_required
@office_only
def import_figures():
    """Upload a spreadsheet, check the preview, map unknown columns, then import."""
    if request.method == "GET":
        return _import_page(
            form={"date": clock.today().isoformat(), "district": str(current_user.district_id)}
        )
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
    preview = preview_import(sheet, district, report_date, clock.today(), mapping)
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
    ), status


# Typing figures in by hand ------------------------------------------------------------------


@bp.route("/<int:district_id>/<isodate:day>/figures", methods=["GET", "POST"])
@login_required
@office_only
def enter_figures(district_id: int, day: date):
    """One line per commune: the national figures of this report date, typed in."""
    district = district_or_404(district_id)
    communes = in_vietnamese_order(district.communes)
    existing = figures_on(communes, day)
    if request.method == "GET":
        values = {
            field_name(name, c): _typed(getattr(existing[c.id], name))
            for c in communes
            if c.id in existing
            for name in COUNTS
        }
        return render_template(
            "reports/figures.html",
            district=district,
            day=day,
            communes=communes,
            values=values,
            errors={},
            existing=existing,
            remove=set(),
        )
    values = {
        field_name(name, c): request.form.get(field_name(name, c), "").strip()
        for c in communes
        for name in COUNTS
    }
    remove = {c.id for c in communes if request.form.get(removal_field(c))}
    typed = check_typed_figures(communes, existing, values, day, clock.today(), remove)
    if typed.errors:
        return render_template(
            "reports/figures.html",
            district=district,
            day=day,
            communes=communes,
            values=values,
            errors=typed.errors,
            existing=existing,
            remove=remove,
        ), 422
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


@bp.route("/figures", methods=["GET"])
@login_required
@office_only
def pick_figures_date():
    """The manual entry form's date and district, then its page."""
    district_id = id_param(request.args.get("district")) or current_user.district_id
    district = district_or_404(district_id)
    day = parse_day(request.args.get("date"))
    if day is None:
        flash(_("Enter the report date, as DD/MM/YYYY."), "error")
        return redirect(url_for("reports.index"), code=303)
    return redirect(url_for("reports.enter_figures", district_id=district.id, day=day))


# The report and its exports -----------------------------------------------------------------


def _measure() -> str:
    measure = request.args.get("measure", "scans")
    return measure if measure in MEASURES else "scans"


def _report_page(report, district=None):
    measure = _measure()
    chart = bar_chart(report, measure)
    if wants_fragment():
        return render_template("reports/_chart.html", chart=chart, report=report)
    return render_template(
        "reports/report.html",
        report=report,
        chart=chart,
        district=district,
        lines=notice_lines(report),
        title=title(report),
        appendix=appendix_rows(report),
        appendix_headers=appendix_headers(report),
    )


@bp.route("/<int:district_id>/<isodate:day>")
@login_required
@office_only
def district_report(district_id: int, day: date):
    """A district's weekly report on a date: one row per commune."""
    district = district_or_404(district_id)
    return _report_page(build_report([district], day, "district"), district)


@bp.route("/province/<isodate:day>")
@login_required
@province_only
def province_report(day: date):
    """The province's weekly report: one row per district (province supervisors)."""
    return _report_page(build_report(user_districts(), day, "province"))


def _download(report, fmt: str, district_id: int | None = None):
    """The report as a file to save, never cached by a shared cache; the export is audited
    (under the user's own district for a province's report)."""
    exports.record_export(report, fmt, current_user, district_id)
    db.session.commit()
    response = current_app.response_class(
        exports.export_report(report, fmt, current_app.config), content_type=exports.FORMATS[fmt]
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{exports.file_name(report, fmt)}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:district_id>/<isodate:day>.<any(csv, xlsx, pdf):fmt>")
@login_required
@office_only
def district_export(district_id: int, day: date, fmt: str):
    district = district_or_404(district_id)
    return _download(build_report([district], day, "district"), fmt, district.id)


@bp.route("/province/<isodate:day>.<any(csv, xlsx, pdf):fmt>")
@login_required
@province_only
def province_export(day: date, fmt: str):
    return _download(build_report(user_districts(), day, "province"), fmt)

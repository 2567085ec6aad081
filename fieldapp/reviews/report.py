"""One inspection as a printable PDF, to attach to official correspondence."""
from pathlib import Path

from flask_babel import format_datetime, gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from fieldapp.inspections import labels
from fieldapp.posters.render import PDF_FONTS, register_fonts
from fieldapp.reviews.labels import REVIEW_LABELS


def _yes_no(value) -> str:
    return _("Don't know") if value is None else (_("Yes") if value else _("No"))


def _count(part, whole) -> str:
    if whole is None:
        return "—"
    return _("%(scanned)s of %(seen)s", scanned="—" if part is None else part, seen=whole)


def answer_rows(inspection) -> list[tuple[str, str]]:
    """The finding's answers as (question, answer) in the user's language."""
    rows = [
        (_("QR code posted"), str(labels.QR_POSTED_LABELS[inspection.qr_posted])),
        (_("At least 15×15 cm"), _yes_no(inspection.qr_size_ok)),
        (_("The venue's own code"), str(labels.QR_MATCHES_LABELS[inspection.qr_matches])),
        (_("Checking people in"), str(labels.CHECKIN_LABELS[inspection.checkin_method])),
        (_("Staff assigned"), (f"{_('Yes')}: {inspection.staff_name} · {inspection.staff_phone}"
                               if inspection.staff_assigned else _("No"))),
        (_("Visitors scanning"), _count(inspection.visitors_scanned, inspection.visitors_observed)),
        (_("Venue's own scan count"), "—" if inspection.venue_scan_count is None
         else str(inspection.venue_scan_count)),
        (_("Staff with PC-Covid"), _count(inspection.staff_with_app, inspection.staff_total)),
        (_("Paper log"), _yes_no(inspection.paper_fallback)),
    ]
    if inspection.venue.is_enterprise:
        rows.append((_("Risk self-assessment"), _yes_no(inspection.risk_assessment_done)))
    rows += [
        (_("Done on the spot"), "; ".join(str(labels.ACTION_LABELS[a])
                                          for a in inspection.action_list) or "—"),
        (_("Re-inspect by"), inspection.reinspection_due.strftime("%d/%m/%Y")
         if inspection.reinspection_due else "—"),
        (_("Notes"), inspection.notes or "—"),
    ]
    return rows


def inspection_pdf(inspection, out, font_dir: Path, upload_folder: str) -> None:
    """Write the inspection's answers, outcome, position, photos and review as a PDF."""
    register_fonts(font_dir)
    body = ParagraphStyle("body", fontName=PDF_FONTS["regular"], fontSize=10, leading=13)
    bold = ParagraphStyle("bold", parent=body, fontName=PDF_FONTS["bold"])
    title = ParagraphStyle("title", parent=bold, fontSize=16, leading=20, spaceAfter=4)
    p = lambda text, style=body: Paragraph(escape(str(text)), style)  # noqa: E731
    venue = inspection.venue
    story = [
        p(_("Inspection record"), title),
        p(f"{venue.name} ({venue.code})", bold),
        p(f"{venue.address}, {venue.commune.name}, {venue.commune.district.name}"),
        p(f"{format_datetime(inspection.server_time, 'dd/MM/yyyy HH:mm')} · "
          f"{inspection.inspector.display_name}"),
        Spacer(1, 4 * mm),
        p(f"{_('Outcome')}: {labels.OUTCOME_LABELS[inspection.outcome]}", bold),
    ]
    story += [p(f"• {labels.REASON_LABELS[r]}") for r in inspection.reason_list]
    table = Table([[p(q, bold), p(a)] for q, a in answer_rows(inspection)],
                  colWidths=[55 * mm, 115 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, "#999999")]))
    story += [Spacer(1, 4 * mm), table, Spacer(1, 4 * mm), p(_("Position"), bold)]
    if inspection.latitude is not None:
        position = f"{inspection.latitude:.5f}, {inspection.longitude:.5f}"
        if inspection.gps_accuracy_m is not None:
            position += f" (± {round(inspection.gps_accuracy_m)} m)"
        story.append(p(position))
        if inspection.gps_distance_m is not None:
            story.append(p(_("%(m)s m from the venue's registered position",
                             m=round(inspection.gps_distance_m))))
    story += [p(f"⚠ {labels.GPS_WARNING_LABELS[w]}") for w in inspection.warning_list]
    story += [Spacer(1, 4 * mm), p(_("Review"), bold),
              p(str(REVIEW_LABELS[inspection.review_state]))]
    if inspection.reviewed_by:
        story.append(p(f"{inspection.reviewed_by.display_name} · "
                       f"{format_datetime(inspection.reviewed_at, 'dd/MM/yyyy HH:mm')}"))
    if inspection.review_comment:
        story.append(p(inspection.review_comment))
    for index, photo in enumerate(inspection.photos, start=1):
        path = Path(upload_folder) / photo.path
        if path.is_file():
            width = 120 * mm
            height = width * photo.height / photo.width
            if height > 150 * mm:
                width, height = width * 150 * mm / height, 150 * mm
            story += [Spacer(1, 4 * mm), p(_("Photo %(n)s", n=index), bold),
                      Image(str(path), width=width, height=height)]
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title=f"{venue.code} {inspection.server_time:%Y-%m-%d}")
    doc.build(story)

"""One inspection as a printable PDF, to attach to official correspondence."""

import io
from pathlib import Path
from xml.sax.saxutils import escape

from flask_babel import format_decimal
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fieldapp import clock
from fieldapp.inspections import labels
from fieldapp.inspections.checklist import Answer, answer_lines
from fieldapp.posters.render import PDF_FONTS, register_fonts
from fieldapp.reviews.labels import REVIEW_LABELS
from fieldapp.storage import Store


def _answer_markup(answer: Answer) -> str:
    """An answer as a PDF paragraph: the page's lines kept, the raw scanned code below."""
    text = escape(answer.text)
    if answer.multiline:
        text = text.replace("\n", "<br/>")
    return text + (f"<br/>{escape(answer.detail)}" if answer.detail else "")


def inspection_pdf(inspection, out, font_dir: Path, photos: Store) -> None:
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
        p(venue.full_address),
        p(f"{clock.moment_text(inspection.server_time)} · {inspection.inspector.display_name}"),
        Spacer(1, 4 * mm),
        p(f"{_('Outcome')}: {labels.OUTCOME_LABELS[inspection.outcome]}", bold),
    ]
    story += [p(f"• {labels.REASON_LABELS[r]}") for r in inspection.reason_list]
    table = Table(
        [
            [p(answer.title, bold), Paragraph(_answer_markup(answer), body)]
            for answer in answer_lines(inspection)
        ],
        colWidths=[55 * mm, 115 * mm],
    )
    table.setStyle(
        TableStyle(
            [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.25, "#999999")]
        )
    )
    story += [Spacer(1, 4 * mm), table, Spacer(1, 4 * mm), p(_("Position"), bold)]
    if inspection.latitude is not None:
        position = f"{inspection.latitude:.5f}, {inspection.longitude:.5f}"
        if inspection.gps_accuracy_m is not None:
            position += f" (± {round(inspection.gps_accuracy_m)} m)"
        story.append(p(position))
        if inspection.gps_distance_m is not None:
            story.append(
                p(
                    _(
                        "%(m)s m from the venue's registered position",
                        m=format_decimal(round(inspection.gps_distance_m), format="#,##0"),
                    )
                )
            )
    warnings = labels.gps_warning_labels()
    # Bold, without the page's "⚠": the PDF's font has no such sign (it printed as a gap).
    story += [p(str(warnings[w]), bold) for w in inspection.warning_list]
    story += [
        Spacer(1, 4 * mm),
        p(_("Review"), bold),
        p(str(REVIEW_LABELS[inspection.review_state])),
    ]
    # A corrected finding waits for review again: the earlier review (and its comment) was
    # about answers that are no longer these, as the inspection page says.
    if inspection.reviewed_by and inspection.review_state != "pending":
        story.append(
            p(
                f"{inspection.reviewed_by.display_name} · "
                f"{clock.moment_text(inspection.reviewed_at)}"
            )
        )
        if inspection.review_comment:
            story.append(p(inspection.review_comment))
    for index, photo in enumerate(inspection.photos, start=1):
        try:
            raw = photos.read(photo.path)
        except FileNotFoundError:
            continue
        width = 120 * mm
        height = width * photo.height / photo.width
        if height > 150 * mm:
            width, height = width * 150 * mm / height, 150 * mm
        story += [
            Spacer(1, 4 * mm),
            p(_("Photo %(n)s", n=index), bold),
            Image(io.BytesIO(raw), width=width, height=height),
        ]
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{venue.code} {clock.vietnam_date(inspection.server_time):%Y-%m-%d}",
    )
    doc.build(story)

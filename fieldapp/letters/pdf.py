"""The letter as a PDF, laid out as Decree 30/2020/NĐ-CP sets administrative documents out.

A4; margins 20 mm top and bottom, 30 mm left, 15 mm right; Tinos (Times New Roman's
metrics, Vietnamese) at 14 pt, justified, each paragraph's first line indented. The header
in two columns (the issuing body, "Số", the subject | the national motto, place and date),
"Kính gửi", the body, "Nơi nhận" at the lower left beside the signature block; then, on a
new page, the appendix with its table and the bar chart of scans per unit.
"""

import io
import re
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily, stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    HRFlowable,
    KeepTogether,
    PageBreak,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import Paragraph as Para

from fieldapp.letters import layout
from fieldapp.letters.letter import Letter, Paragraph, Section
from fieldapp.reports.appendix import total_label_span
from fieldapp.reports.chart import Chart
from fieldapp.reports.notice import vn_number

FONT = "Tinos"
FONT_FILES = {
    "Tinos": "Tinos_400Regular.ttf",
    "Tinos-Bold": "Tinos_700Bold.ttf",
    "Tinos-Italic": "Tinos_400Regular_Italic.ttf",
    "Tinos-BoldItalic": "Tinos_700Bold_Italic.ttf",
}
BOLD, ITALIC, BOLD_ITALIC = "Tinos-Bold", "Tinos-Italic", "Tinos-BoldItalic"

TOP, BOTTOM, LEFT, RIGHT = (
    side * mm for side in (layout.TOP, layout.BOTTOM, layout.LEFT, layout.RIGHT)
)
WIDTH = layout.WIDTH * mm
BODY_SIZE = layout.BODY_SIZE
INDENT = layout.INDENT * mm
MOTTO, NATION = layout.MOTTO, layout.NATION


def _mm(widths) -> list[float]:
    return [width * mm for width in widths]


class LetterFontMissing(RuntimeError):
    pass


_registered: set[Path] = set()


def register_letter_font(font_dir: Path) -> None:
    """Register Tinos's four styles with reportlab, once per process (per folder)."""
    if font_dir in _registered:
        return
    for name, file in FONT_FILES.items():
        path = font_dir / file
        if not path.is_file():
            raise LetterFontMissing(f"Letter font missing: {path} (run `make install`).")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC)
    _registered.add(font_dir)


def _style(name: str, **options) -> ParagraphStyle:
    """A style in Tinos, its leading 1.2 times its size; with a parent, what is not given
    comes from the parent."""
    size = options.pop("size", None)
    values = {} if "parent" in options else {"fontName": FONT, "fontSize": BODY_SIZE}
    if size is not None:
        values["fontSize"] = size
    if "fontSize" in values and "leading" not in options:
        values["leading"] = round(values["fontSize"] * 1.2, 1)
    return ParagraphStyle(name, **{**values, **options})


BODY = _style("body", alignment=TA_JUSTIFY, firstLineIndent=INDENT, spaceBefore=3, spaceAfter=3)
HEAD = _style("head", size=13, alignment=TA_CENTER)
HEAD_BOLD = _style("head_bold", size=13, alignment=TA_CENTER, fontName=BOLD)
NATION_STYLE = _style("nation", size=12.5, alignment=TA_CENTER, fontName=BOLD)
SUBJECT = _style("subject", size=12, alignment=TA_CENTER)
PLACE_DATE = _style("place_date", alignment=TA_CENTER, fontName=ITALIC)
RECIPIENT = _style("recipient", alignment=TA_LEFT)
RECIPIENT_LABEL = _style("recipient_label", alignment=TA_RIGHT)
SECTION = _style(
    "section", fontName=BOLD, firstLineIndent=INDENT, spaceBefore=3, spaceAfter=3, keepWithNext=1
)
COPIES_LABEL = _style("copies_label", size=12, fontName=BOLD_ITALIC)
COPIES = _style("copies", size=11, leading=13)
SIGNER = _style("signer", alignment=TA_CENTER, fontName=BOLD)
APPENDIX_TITLE = _style("appendix_title", alignment=TA_CENTER, fontName=BOLD, spaceAfter=8)
CELL = _style("cell", size=12, leading=14)  # the DOCX's "Bảng"
CELL_BOLD = _style("cell_bold", parent=CELL, fontName=BOLD, alignment=TA_CENTER)
CELL_NUMBER = _style("cell_number", parent=CELL, alignment=TA_RIGHT)
CELL_CENTRE = _style("cell_centre", parent=CELL, alignment=TA_CENTER)
CHART_TITLE = _style("chart_title", alignment=TA_CENTER, fontName=BOLD, spaceBefore=10)


def _markup(text: str) -> str:
    """Text as a Paragraph's markup: escaped, its runs of spaces kept ("Số:      /UBND")."""
    return re.sub(r" {2,}", lambda run: "\u00a0" * len(run.group()), escape(text))


def _p(text: str, style: ParagraphStyle) -> Para:
    return Para(_markup(text).replace("\n", "<br/>"), style)


def _rule(width: float) -> list:
    """The short line under the issuing body and under the motto (a table's cell ignores
    a flowable's own spacing: the spacers give it room)."""
    line = HRFlowable(width=width, thickness=0.6, color=colors.black, hAlign="CENTER")
    return [Spacer(1, 3), line, Spacer(1, 4)]


def _header(letter: Letter) -> Table:
    # The issuing body may be on two lines ("BỘ THÔNG TIN\nVÀ TRUYỀN THÔNG"): the rule
    # under it follows the wider; a ministry has no first line.
    issuer_width = max(
        stringWidth(line, BOLD, HEAD_BOLD.fontSize) for line in letter.issuer.splitlines() or [""]
    )
    left_top = [
        *([_p(letter.issuer_parent, HEAD)] if letter.issuer_parent else []),
        _p(letter.issuer, HEAD_BOLD),
        *_rule(min(issuer_width * 0.5, 30 * mm)),
    ]
    right_top = [
        _p(NATION, NATION_STYLE),
        _p(MOTTO, HEAD_BOLD),
        *_rule(stringWidth(MOTTO, BOLD, HEAD_BOLD.fontSize)),
    ]
    left_bottom = [_p(letter.number, HEAD), Spacer(1, 1 * mm), _p(letter.subject, SUBJECT)]
    table = Table(
        [[left_top, right_top], [left_bottom, _p(letter.place_date, PLACE_DATE)]],
        colWidths=_mm(layout.HEADER_COLUMNS),
        hAlign="CENTER",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _recipients(letter: Letter) -> list:
    if not letter.recipients:
        return []
    table = Table(
        [
            [
                _p("Kính gửi:", RECIPIENT_LABEL),
                [_p(line, RECIPIENT) for line in letter.recipients],
            ]
        ],
        colWidths=_mm(layout.RECIPIENT_COLUMNS),
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 2 * mm),
            ]
        )
    )
    return [Spacer(1, 5 * mm), table, Spacer(1, 3 * mm)]


def _paragraph(paragraph: Paragraph) -> list[Para]:
    """A body paragraph; its heading a bold lead-in on its first line. A text of several
    lines is as many paragraphs; an empty paragraph is nothing on paper."""
    lines = paragraph.text.split("\n")
    flowables = []
    for index, line in enumerate(lines):
        markup = _markup(line.strip())
        if index == 0 and paragraph.heading:
            markup = f"<b>{_markup(paragraph.heading)}</b> {markup}".strip()
        if markup:
            flowables.append(Para(markup, BODY))
    return flowables


def _section(section: Section) -> list:
    flowables = [_p(f"{section.number}. {section.title}", SECTION)]
    for paragraph in section.paragraphs:
        flowables += _paragraph(paragraph)
    for subsection in section.subsections:
        flowables += _section(subsection)
    return flowables


def _signature(letter: Letter) -> Table:
    copies = [_p("Nơi nhận:", COPIES_LABEL), *(_p(line, COPIES) for line in letter.copies_to)]
    signer = [
        *([_p(letter.signer_authority, SIGNER)] if letter.signer_authority else []),
        _p(letter.signer_title, SIGNER),
        Spacer(1, 28 * mm),
        _p(letter.signer_name, SIGNER),
    ]
    table = Table([[copies, signer]], colWidths=_mm(layout.SIGNATURE_COLUMNS))
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _cell(value, column: int, bold: bool):
    if isinstance(value, int) and not isinstance(value, bool) and column > 0:
        style, text = CELL_NUMBER, vn_number(value)
    elif value is None:
        style, text = CELL_NUMBER, vn_number(None)
    elif column == 0:
        style, text = CELL_CENTRE, str(value)
    else:
        style, text = CELL, str(value)
    markup = escape(text)
    return Para(f"<b>{markup}</b>" if bold else markup, style)


def appendix_table(letter: Letter) -> Table:
    """The appendix's table: the header row repeated on each page, numbers right-aligned in
    the Vietnamese way, the total row's label across the label columns."""
    headers, rows = letter.appendix_headers, letter.appendix_rows
    data = [[_p(header, CELL_BOLD) for header in headers]]
    for index, row in enumerate(rows):
        last = index == len(rows) - 1
        data.append([_cell(value, column, last) for column, value in enumerate(row)])
    if rows:
        span = total_label_span(rows)
        data[-1][0] = _p(str(rows[-1][0]), CELL_BOLD)
        widths = _mm(layout.appendix_widths(headers, rows))
    else:
        span, widths = 1, None
    table = Table(data, colWidths=widths, repeatRows=1)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if rows and span > 1:
        commands.append(("SPAN", (0, -1), (span - 1, -1)))
    table.setStyle(TableStyle(commands))
    return table


def chart_drawing(chart: Chart, width: float = WIDTH, max_height: float = 200 * mm) -> Drawing:
    """The bar chart of the report page (fieldapp.reports.chart), drawn for paper: the
    unit's name, its bar, its number."""
    count = max(len(chart.bars), 1)
    row = min(7 * mm, max_height / count)
    size = min(10.0, row * 0.6)
    label_width, value_width = 38 * mm, 20 * mm
    span = width - label_width - value_width
    scale = span / (chart.width - chart.label_width - 64)
    height = count * row + 2
    drawing = Drawing(width, height)
    for index, bar in enumerate(chart.bars):
        top = height - index * row
        middle = top - row / 2
        drawing.add(
            String(
                label_width - 2 * mm,
                middle - size / 3,
                bar.label,
                fontName=FONT,
                fontSize=size,
                textAnchor="end",
            )
        )
        bar_width = bar.width * scale
        if bar.known and bar_width > 0:
            drawing.add(
                Rect(
                    label_width,
                    top - row * 0.85,
                    bar_width,
                    row * 0.7,
                    fillColor=colors.HexColor("#2f5d8a"),
                    strokeColor=None,
                )
            )
        drawing.add(
            String(
                label_width + bar_width + 1.5 * mm,
                middle - size / 3,
                bar.text,
                fontName=FONT,
                fontSize=size,
            )
        )
    return drawing


def _page_number(canvas, document) -> None:
    """From the second page on, the page's number at the top, centred (Decree 30)."""
    canvas.saveState()
    canvas.setFont(FONT, 13)
    canvas.drawCentredString(LEFT + WIDTH / 2, A4[1] - 12 * mm, str(document.page))
    canvas.restoreState()


# What a drawing under its title may take of a page: the frame's width and height (the
# page's text area less the frame's padding), less the title's lines.
DRAWING_ROOM = (WIDTH - 12, (297 - layout.TOP - layout.BOTTOM) * mm - 12 - 20 * mm)


def titled(title: str, drawing: Drawing) -> KeepTogether:
    """A drawing under its title, kept on one page (e.g. the trends, after the appendix);
    scaled down to fit the page when it is larger (a district of many communes)."""
    room_width, room_height = DRAWING_ROOM
    factor = min(1.0, room_width / drawing.width, room_height / drawing.height)
    if factor < 1:
        drawing.scale(factor, factor)
        drawing.width, drawing.height = drawing.width * factor, drawing.height * factor
    return KeepTogether([_p(title, CHART_TITLE), Spacer(1, 3 * mm), drawing])


def letter_pdf(letter: Letter, font_dir: Path, chart: Chart | None = None, extra=()) -> bytes:
    """The letter and its appendix as a PDF; `chart` (scans per unit) follows the appendix's
    table, and `extra` (reportlab flowables, e.g. a trends drawing) after it."""
    register_letter_font(font_dir)
    story = [_header(letter), *_recipients(letter)]
    if letter.opening:
        story += _paragraph(Paragraph(letter.opening))
    for section in letter.sections:
        story += _section(section)
    ending = _paragraph(Paragraph(letter.closing)) if letter.closing else []
    story += [Spacer(1, 2 * mm), KeepTogether([*ending, Spacer(1, 4 * mm), _signature(letter)])]

    story += [PageBreak(), _p(letter.appendix_title, APPENDIX_TITLE), appendix_table(letter)]
    if chart is not None and chart.bars:
        story += [
            KeepTogether(
                [
                    _p(layout.CHART_TITLE, CHART_TITLE),
                    Spacer(1, 3 * mm),
                    chart_drawing(chart),
                ]
            )
        ]
    story += list(extra)
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=letter.subject,
        author=f"{letter.issuer_parent} {letter.issuer}",
        subject=letter.appendix_title,
    ).build(story, onLaterPages=_page_number)
    return out.getvalue()

"""The letter as a Word document (python-docx), laid out as the PDF is, so that it opens
alike in Word and LibreOffice and the office edits it before it is signed.

A4 and the Decree's margins; Times New Roman 14 (its East-Asian and complex-script names
set too, so Vietnamese stays in it); the header and the "Nơi nhận"/signature block as
borderless two-column tables; justified paragraphs with their first line indented; the
appendix on a new page, its header row repeated on each page, numbers right-aligned, the
total's label merged across the label columns.
"""

import io
import unicodedata

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from reportlab.pdfbase.pdfmetrics import stringWidth

from fieldapp.letters import layout
from fieldapp.letters.letter import Letter, Paragraph, Section
from fieldapp.reports.appendix import total_label_span
from fieldapp.reports.notice import vn_number

FONT = "Times New Roman"
CENTRE, LEFT, RIGHT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)
CELL_SIZE = 12
TABLE_STYLE, TABLE_STYLE_ID = "Bảng", "Bang"
# Word refuses a file whose properties are out of the schema's order: what follows
# a table's borders, and a paragraph's.
TABLE_AFTER_BORDERS = (
    "w:shd",
    "w:tblLayout",
    "w:tblCellMar",
    "w:tblLook",
    "w:tblCaption",
    "w:tblDescription",
    "w:tblPrChange",
)
PARAGRAPH_AFTER_BORDERS = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def _fonts(element, language: bool = False) -> None:
    """Times New Roman for every script of a run's or a style's properties."""
    properties = element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), FONT)
    if language:
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "vi-VN")
        lang.set(qn("w:eastAsia"), "vi-VN")
        properties.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")


def _text_mm(text: str, size: float) -> float:
    """About how wide a line of bold Times is: Times's own widths, of the letters without
    their diacritics (the same widths, for Vietnamese)."""
    plain = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return stringWidth(plain, "Times-Bold", size) / 72 * 25.4


def _setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(layout.PAGE[0]), Mm(layout.PAGE[1])
    section.top_margin, section.bottom_margin = Mm(layout.TOP), Mm(layout.BOTTOM)
    section.left_margin, section.right_margin = Mm(layout.LEFT), Mm(layout.RIGHT)
    section.header_distance = Mm(10)
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:  # the template's theme fonts would win over Times otherwise
        for fonts in defaults.iter(qn("w:rFonts")):
            for key in list(fonts.attrib):
                del fonts.attrib[key]
            for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                fonts.set(qn(script), FONT)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(layout.BODY_SIZE)
    _fonts(normal.element, language=True)
    body = normal.paragraph_format
    body.alignment = JUSTIFY
    body.first_line_indent = Mm(layout.INDENT)
    body.space_before, body.space_after = Pt(3), Pt(3)
    body.line_spacing = 1.0
    _page_numbers(section)
    _table_style(document)


def _page_numbers(section) -> None:
    """From the second page on, the page's number at the top, centred (Decree 30)."""
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False  # the first page's: empty
    paragraph = section.header.paragraphs[0]
    _plain(paragraph, CENTRE)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _plain(paragraph, alignment=LEFT, before: float = 0, after: float = 0):
    """A paragraph of a table or the header: no first-line indent, no spacing."""
    fmt = paragraph.paragraph_format
    fmt.alignment = alignment
    fmt.first_line_indent = Mm(0)
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    return paragraph


def _run(paragraph, text: str, size=None, bold=False, italic=False):
    run = paragraph.add_run(text)
    run.bold, run.italic = bold or None, italic or None
    if size is not None:
        run.font.size = Pt(size)
    return run


def _line(container, text: str, alignment=CENTRE, size=None, bold=False, italic=False):
    """One line of the header, a cell or the signature block, in `container` (a cell)."""
    paragraph = container.paragraphs[-1] if _blank_cell(container) else None
    paragraph = paragraph or container.add_paragraph()
    _plain(paragraph, alignment)
    _run(paragraph, text, size, bold, italic)
    return paragraph


def _blank_cell(container) -> bool:
    paragraphs = container.paragraphs
    return len(paragraphs) == 1 and not paragraphs[0].runs


def _rule(cell, width_mm: float, cell_mm: float) -> None:
    """A short centred line: an empty paragraph with a top border, narrowed by its indents."""
    paragraph = _plain(cell.add_paragraph(), CENTRE, before=3)
    side = max((cell_mm - width_mm) / 2, 0)
    paragraph.paragraph_format.left_indent = Mm(side)
    paragraph.paragraph_format.right_indent = Mm(side)
    paragraph.paragraph_format.line_spacing = Pt(4)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *PARAGRAPH_AFTER_BORDERS)


def _table(document, rows: int, widths_mm, borders: bool):
    """A table of fixed column widths (Word reads the cells', LibreOffice the grid's)."""
    table = document.add_table(rows=rows, cols=len(widths_mm))
    if borders:
        table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    properties = table._tbl.tblPr  # autofit False made its layout fixed
    width = properties.find(qn("w:tblW"))
    if width is not None:
        width.set(qn("w:type"), "dxa")
        width.set(qn("w:w"), str(round(sum(widths_mm) / 25.4 * 1440)))
    if not borders:
        edges = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            element = OxmlElement(f"w:{edge}")
            element.set(qn("w:val"), "nil")
            edges.append(element)
        properties.insert_element_before(edges, *TABLE_AFTER_BORDERS)
    margins = OxmlElement("w:tblCellMar")  # the PDF's: none beside the text, 1 mm in a grid
    for edge in ("left", "right"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:w"), "57" if borders else "0")
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    properties.insert_element_before(margins, *TABLE_AFTER_BORDERS[3:])
    for index, width in enumerate(widths_mm):
        table.columns[index].width = Mm(width)
    for row in table.rows:  # once over the rows: python-docx finds a row's cells anew each time
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    return table


def _header(document, letter: Letter) -> None:
    left_mm, right_mm = layout.HEADER_COLUMNS
    table = _table(document, 2, layout.HEADER_COLUMNS, borders=False)
    (issuer, nation), (number, place) = (row.cells for row in table.rows)
    if letter.issuer_parent:  # a ministry has none: its name is the first line
        _line(issuer, letter.issuer_parent, size=13)
    _line(issuer, letter.issuer, size=13, bold=True)  # its lines broken by "\n" (compose)
    widest = max(_text_mm(line, 13) for line in letter.issuer.splitlines() or [""])
    _rule(issuer, min(widest * 0.5, 30), left_mm)
    _line(nation, layout.NATION, size=12, bold=True)
    _line(nation, layout.MOTTO, size=13, bold=True)
    _rule(nation, _text_mm(layout.MOTTO, 13), right_mm)
    _line(number, letter.number, size=13)
    _line(number, letter.subject, size=12).paragraph_format.space_before = Pt(3)
    _line(place, letter.place_date, size=14, italic=True)


def _recipients(document, letter: Letter) -> None:
    if not letter.recipients:
        return
    _plain(document.add_paragraph(), after=3)
    table = _table(document, 1, layout.RECIPIENT_COLUMNS, borders=False)
    label, names = table.rows[0].cells
    _line(label, "Kính gửi:", alignment=RIGHT)
    for recipient in letter.recipients:
        _line(names, recipient, alignment=LEFT).paragraph_format.left_indent = Mm(2)
    _plain(document.add_paragraph(), after=3)


def _paragraph(document, paragraph: Paragraph) -> None:
    """A body paragraph, its heading a bold lead-in; each line of its text a paragraph. An
    empty one stays, for the office to write in."""
    for index, line in enumerate(paragraph.text.split("\n")):
        written = document.add_paragraph()
        if index == 0 and paragraph.heading:
            _run(written, paragraph.heading, bold=True)
            if line.strip():
                written.add_run(" ")
        written.add_run(line.strip())


def _section(document, section: Section) -> None:
    title = document.add_paragraph()
    _run(title, f"{section.number}. {section.title}", bold=True)
    title.paragraph_format.keep_with_next = True
    for paragraph in section.paragraphs:
        _paragraph(document, paragraph)
    for subsection in section.subsections:
        _section(document, subsection)


def _signature(document, letter: Letter) -> None:
    _plain(document.add_paragraph(), after=3)
    table = _table(document, 1, layout.SIGNATURE_COLUMNS, borders=False)
    properties = table.rows[0]._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    copies, signer = table.rows[0].cells
    _line(copies, "Nơi nhận:", alignment=LEFT, size=12, bold=True, italic=True)
    for line in letter.copies_to:
        _line(copies, line, alignment=LEFT, size=11)
    if letter.signer_authority:
        _line(signer, letter.signer_authority, bold=True)
    _line(signer, letter.signer_title, bold=True)
    for _ in range(4):
        _line(signer, "")
    _line(signer, letter.signer_name, bold=True)


def _cell_text(cell, value, column: int, bold: bool) -> None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and column > 0):
        text, alignment = vn_number(value), RIGHT
    else:
        text, alignment = str(value), CENTRE if column == 0 else LEFT
    _grid_line(cell, text, alignment, bold)


def _grid_line(cell, text: str, alignment, bold: bool) -> None:
    """A cell of the appendix, in the style "Bảng" (12 pt, a little room above and below),
    in the middle of its row."""
    paragraph = cell.paragraphs[0]
    paragraph._p.get_or_add_pPr().style = TABLE_STYLE_ID  # by id: a name is looked up each time
    if alignment != LEFT:
        paragraph.alignment = alignment
    run = paragraph.add_run(text)
    if bold:
        run.bold = True
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _table_style(document) -> None:
    """The appendix's cells' paragraph style: the office restyles the table at once."""
    style = document.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    style.element.styleId = TABLE_STYLE_ID
    style.base_style = document.styles["Normal"]
    style.font.size = Pt(CELL_SIZE)
    fmt = style.paragraph_format
    fmt.alignment = LEFT
    fmt.first_line_indent = Mm(0)
    fmt.space_before = fmt.space_after = Pt(2)


def _appendix(document, letter: Letter) -> None:
    title = document.add_paragraph()
    _plain(title, CENTRE, after=8)
    title.paragraph_format.page_break_before = True
    _run(title, letter.appendix_title, bold=True)
    headers, rows = letter.appendix_headers, letter.appendix_rows
    table = _table(document, len(rows) + 1, layout.appendix_widths(headers, rows), borders=True)
    lines = list(table.rows)
    header = lines[0]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(repeat)
    for cell, text in zip(header.cells, headers, strict=True):
        _grid_line(cell, text, CENTRE, bold=True)
    for index, row in enumerate(rows, start=1):
        last = index == len(rows)
        cells = lines[index].cells
        span = total_label_span(rows) if last else 1
        if span > 1:
            merged = cells[0].merge(cells[span - 1])
            _grid_line(merged, str(row[0]), CENTRE, bold=True)
            values = list(enumerate(row))[span:]
        else:
            values = list(enumerate(row))
        for column, value in values:
            _cell_text(cells[column], value, column, last)


def letter_docx(letter: Letter) -> bytes:
    """The letter and its appendix as a .docx file."""
    document = Document()
    _setup(document)
    document.core_properties.title = letter.subject
    document.core_properties.author = f"{letter.issuer_parent} {letter.issuer}"
    document.core_properties.language = "vi-VN"
    body = document.paragraphs
    if body:  # python-docx's template starts with nothing; keep it that way if it changes
        for paragraph in body:
            paragraph._p.getparent().remove(paragraph._p)
    _header(document, letter)
    _recipients(document, letter)
    if letter.opening:
        _paragraph(document, Paragraph(letter.opening))
    for section in letter.sections:
        _section(document, section)
    if letter.closing:
        _paragraph(document, Paragraph(letter.closing))
    _signature(document, letter)
    _appendix(document, letter)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

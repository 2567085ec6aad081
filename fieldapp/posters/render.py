"""Drawing a venue's QR poster: one layout, rendered to PDF (reportlab) or PNG (Pillow).

The layout is computed once in points from the top-left corner, so the PDF and the
PNG cannot drift apart. All text is NFC-normalised Vietnamese in Be Vietnam Pro,
a typeface drawn for Vietnamese, embedded (subset) in the PDF.
"""

import io
import struct
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.exceptions import DataOverflowError
from reportlab.lib.pagesizes import A4, A5, A6
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from fieldapp import clock
from fieldapp.places import address_line

PAGE_SIZES = {"A4": A4, "A5": A5, "A6": A6}
# On A4 the code itself (quiet zone excluded) is printed 15.5 cm wide: the orders ask
# for at least 15 x 15 cm. Smaller sheets scale everything down with the page.
A4_CODE_SIDE = 155 * mm
QUIET_ZONE_MODULES = 4
INSTRUCTION_VI = "Quét mã QR bằng ứng dụng PC-Covid khi ra/vào địa điểm"
INSTRUCTION_EN = "Scan this QR code with the PC-Covid app when entering or leaving"
TITLE = "MÃ QR ĐIỂM KIỂM SOÁT RA VÀO"
# The second, small code: a citizen's report about this venue (/p/<venue code>). It sits in
# the footer's right corner, at most 40 % of the check-in code's side (16 % of its area), so
# the check-in code stays the large one a phone's camera picks first.
REPORT_LABEL = ("Phản ánh về", "địa điểm này")  # two short lines beside the code
A4_REPORT_CODE_SIDE = 25 * mm
SMALLEST_REPORT_CODE_SIDE = 15 * mm  # a phone still reads it at a hand's distance on A6
REPORT_CODE_SHARE = 0.4
FONT_FILES = {
    "regular": "400Regular/BeVietnamPro_400Regular.ttf",
    "bold": "700Bold/BeVietnamPro_700Bold.ttf",
}
PDF_FONTS = {"regular": "BeVietnamPro", "bold": "BeVietnamPro-Bold"}
# White between one line's lowest ink (a dot under a vowel, a descender) and the next line's
# highest (a hook above a circumflex: "Ể" reaches 1.16 em), in em of the lower line: several
# times the white inside a stacked mark, so a mark never reads as the line above's.
LINE_CLEARANCE = 0.2


class PosterError(Exception):
    """A poster that cannot be made; the message says why, for the user."""


class NoPayload(PosterError):
    pass


class PayloadTooLong(PosterError):
    pass


@dataclass
class PosterText:
    """What a poster says, besides its code."""

    payload: str
    venue_name: str
    venue_code: str
    address: str  # the venue's own, as typed; `address_line` writes each unit once
    commune: str  # official names: "xã Sơn Hà", "huyện Quan Sơn", "tỉnh Thanh Hóa"
    district: str
    province: str
    issuer: str
    serial: str
    print_date: date
    report_url: str  # where the small second code leads: the venue's report form

    def normalised(self) -> "PosterText":
        return PosterText(
            **{
                k: unicodedata.normalize("NFC", v) if isinstance(v, str) else v
                for k, v in self.__dict__.items()
            }
        )


@dataclass
class TextLine:
    text: str
    weight: str  # regular / bold
    size: float  # points
    x: float  # points from the left edge (the line's centre)
    baseline: float  # points from the top edge to the baseline

    @property
    def top(self) -> float:
        """The top of the line's highest ink (its tallest mark), in points from the top edge."""
        return self.baseline - ink_extent(self.text, self.weight)[0] * self.size

    @property
    def bottom(self) -> float:
        """The bottom of the line's lowest ink (a dot below, a descender)."""
        return self.baseline + ink_extent(self.text, self.weight)[1] * self.size


@dataclass
class Layout:
    width: float
    height: float
    lines: list[TextLine] = field(default_factory=list)
    modules: list[list[bool]] = field(default_factory=list)
    code_left: float = 0
    code_top: float = 0
    module_size: float = 0
    report_modules: list[list[bool]] = field(default_factory=list)
    report_left: float = 0
    report_top: float = 0
    report_module_size: float = 0


_registered_dir: Path | None = None


def register_fonts(font_dir: Path) -> None:
    """Register the poster typeface with reportlab (once per process)."""
    global _registered_dir
    if _registered_dir == font_dir:
        return
    for weight, name in PDF_FONTS.items():
        path = font_dir / FONT_FILES[weight]
        if not path.is_file():
            raise PosterError(f"Poster font missing: {path} (run `make install`).")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    _registered_dir = font_dir


def qr_modules(payload: str, correction=qrcode.constants.ERROR_CORRECT_Q) -> list[list[bool]]:
    """The QR matrix for the exact payload, error correction Q, without quiet zone."""
    if not payload:
        raise NoPayload("This venue has no registered QR code content.")
    code = qrcode.QRCode(error_correction=correction, border=0)
    code.add_data(payload.encode("utf-8"))
    try:
        code.make(fit=True)
    except (DataOverflowError, ValueError):
        raise PayloadTooLong("The QR code content is too long to fit in a QR code.") from None
    return code.get_matrix()


def _width(text: str, weight: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, PDF_FONTS[weight], size)


_glyph_extents: dict[tuple[str, str], tuple[float, float]] = {}


def _glyph_extent(weight: str, char: str) -> tuple[float, float]:
    """How far a character's outline reaches above and below the baseline, in em, read from
    the glyph's bounding box in the typeface's `glyf` table (0, 0 for a blank)."""
    key = (PDF_FONTS[weight], char)
    if key not in _glyph_extents:
        face = pdfmetrics.getFont(PDF_FONTS[weight]).face
        glyph = face.charToGlyph.get(ord(char), 0)
        start, end = face.glyphPos[glyph], face.glyphPos[glyph + 1]
        extent = (0.0, 0.0)
        if end > start:  # an outline: its header holds xMin, yMin, xMax, yMax
            offset = face.get_table_pos("glyf")[0] + start
            _x_min, y_min, _x_max, y_max = struct.unpack(">hhhh", face.get_chunk(offset + 2, 8))
            extent = (max(0, y_max) / face.unitsPerEm, max(0, -y_min) / face.unitsPerEm)
        _glyph_extents[key] = extent
    return _glyph_extents[key]


def ink_extent(text: str, weight: str) -> tuple[float, float]:
    """How far a line's ink reaches above and below its baseline, in em."""
    extents = [_glyph_extent(weight, char) for char in text] or [(0.0, 0.0)]
    return max(up for up, _ in extents), max(down for _, down in extents)


@dataclass
class Block:
    """Lines set one under another in one weight and size, spaced evenly: by their tallest
    mark and lowest dot, with `gap` em of white between lines and `space` em above."""

    lines: list[str]
    weight: str
    size: float
    gap: float = LINE_CLEARANCE
    space: float = LINE_CLEARANCE

    def extent(self) -> tuple[float, float]:
        """The block's ink above and below each baseline, in points."""
        extents = [ink_extent(line, self.weight) for line in self.lines]
        return (
            max(up for up, _ in extents) * self.size,
            max(down for _, down in extents) * self.size,
        )

    def height(self, first: bool = False) -> float:
        """From the white above the block (none if it starts the column) to its lowest ink."""
        up, down = self.extent()
        white = (0 if first else self.space) + self.gap * (len(self.lines) - 1)
        return white * self.size + len(self.lines) * (up + down)

    def set(self, layout: "Layout", x: float, top: float, first: bool = False) -> float:
        """Add the block's lines below `top` (the ink above); return where its ink ends."""
        up, down = self.extent()
        white = 0 if first else self.space * self.size
        for line in self.lines:
            baseline = top + white + up
            layout.lines.append(TextLine(line, self.weight, self.size, x, baseline))
            top = baseline + down
            white = self.gap * self.size
        return top


def wrap(text: str, weight: str, size: float, max_width: float) -> list[str]:
    """Greedy word wrap; a word longer than the line is cut where it must be."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if _width(candidate, weight, size) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while _width(word, weight, size) > max_width:
            cut = len(word)
            while cut > 1 and _width(word[:cut], weight, size) > max_width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def fit(
    text: str, weight: str, largest: float, smallest: float, max_width: float, max_lines: int
) -> tuple[float, list[str]]:
    """The largest size (down to `smallest`) at which text wraps into max_lines."""
    size = largest
    while True:
        lines = wrap(text, weight, size, max_width)
        if len(lines) <= max_lines or size <= smallest:
            return size, lines
        size = max(smallest, size - 1)


def layout_poster(text: PosterText, page: str = "A4") -> Layout:
    """Place every line and the code on the page, in points from the top-left."""
    text = text.normalised()
    width, height = PAGE_SIZES[page]
    scale = width / A4[0]
    margin = 10 * mm * scale
    usable = width - 2 * margin
    layout = Layout(width, height)
    middle = width / 2

    # Each block is spaced by its own marks: a capital's stacked marks (Ể, Ẫ) stand clear of
    # the line above's lowest ink, however the lines wrap and at every sheet size.
    issuer = Block(wrap(text.issuer.upper(), "bold", 10 * scale, usable), "bold", 10 * scale)
    top = issuer.set(layout, middle, margin, first=True)
    top = Block([TITLE], "bold", 20 * scale, space=0.25).set(layout, middle, top)
    size, lines = fit(text.venue_name, "bold", 24 * scale, 11 * scale, usable, 3)
    top = Block(lines, "bold", size, space=0.3).set(layout, middle, top)
    place = address_line(text.address, text.commune, text.district, text.province)
    size, lines = fit(place, "regular", 12 * scale, 8 * scale, usable, 2)
    top = Block(lines, "regular", size, space=0.35).set(layout, middle, top)

    modules = qr_modules(text.payload)
    count = len(modules)
    report_modules = qr_modules(text.report_url, qrcode.constants.ERROR_CORRECT_M)
    report_count = len(report_modules)
    quiet_share = 1 + QUIET_ZONE_MODULES / report_count  # a side plus its quiet zone above

    def check_in_module(footer_height):
        room = height - margin - footer_height - top
        # The code keeps its full quiet zone of white around it, inside the page.
        return min(
            A4_CODE_SIDE * scale / count,
            room / (count + 2 * QUIET_ZONE_MODULES),
            width / (count + 2 * QUIET_ZONE_MODULES),
        )

    size, lines = fit(INSTRUCTION_VI, "bold", 14 * scale, 9 * scale, usable, 2)
    instructions = Block(lines, "bold", size)
    instructions_en = Block([INSTRUCTION_EN], "regular", 10 * scale)
    instructions_height = instructions.height(first=True) + instructions_en.height()
    module = check_in_module((14 + 11 + 9 * 2) * scale * 1.3)
    # The report code's largest side: 40 % of the check-in code's, 25 mm on A4.
    largest = min(
        max(A4_REPORT_CODE_SIDE * scale, SMALLEST_REPORT_CODE_SIDE),
        REPORT_CODE_SHARE * module * count,
    )
    # The label stands left of the report code, the venue's code and date further left.
    label = Block(list(REPORT_LABEL), "bold", 10 * scale)
    label_width = max(_width(line, "bold", label.size) for line in label.lines)

    def band(module):
        # Below the check-in code's quiet zone and the instructions, down to the margin.
        code_bottom = top + (count + 2 * QUIET_ZONE_MODULES) * module
        return height - margin - code_bottom - instructions_height

    # The check-in code keeps its size while the report code fits at its smallest beside
    # it; only a page too full for that gives up the least room it must.
    if band(module) < SMALLEST_REPORT_CODE_SIDE * quiet_share:
        need = instructions_height + SMALLEST_REPORT_CODE_SIDE * quiet_share
        module = min(module, check_in_module(need))
    report_side = min(largest, band(module) / quiet_share)
    report_module = report_side / report_count
    report_quiet = QUIET_ZONE_MODULES * report_module

    side = module * count
    layout.modules = modules
    layout.module_size = module
    layout.code_left = (width - side) / 2
    layout.code_top = top + QUIET_ZONE_MODULES * module
    top = layout.code_top + side + QUIET_ZONE_MODULES * module

    top = instructions.set(layout, middle, top, first=True)
    top = instructions_en.set(layout, middle, top)

    # Bottom right: the report code sits on the bottom margin (its quiet zone reaches into
    # the white margin), its label left of its quiet zone, level with the code's middle.
    layout.report_modules = report_modules
    layout.report_module_size = report_module
    layout.report_left = width - margin - report_side
    layout.report_top = height - margin - report_side
    label_right = layout.report_left - report_quiet
    label_top = layout.report_top + (report_side - label.height(first=True)) / 2
    label.set(layout, label_right - label_width / 2, label_top, first=True)

    # Bottom left: the venue's code, the serial and the date, centred in what is left.
    footer_right = label_right - label_width - 4 * scale
    footer_middle = (margin + footer_right) / 2
    footer = (
        f"Mã địa điểm: {text.venue_code} · Số hiệu: {text.serial}",
        f"In ngày {clock.day_text(text.print_date)}",
    )
    # A long venue code makes the line smaller rather than run under the label.
    footer_size = min(
        9 * scale, 9 * scale * (footer_right - margin) / _width(footer[0], "regular", 9 * scale)
    )
    footer_block = Block(list(footer), "regular", footer_size, gap=0.3)
    top = max(top, height - margin - footer_block.height(first=True))
    footer_block.set(layout, footer_middle, top, first=True)
    return layout


def draw_pdf_page(canvas: Canvas, layout: Layout) -> None:
    """Draw one poster on the canvas's current page."""
    for line in layout.lines:
        canvas.setFont(PDF_FONTS[line.weight], line.size)
        canvas.drawCentredString(line.x, layout.height - line.baseline, line.text)
    _draw_pdf_code(
        canvas, layout, layout.modules, layout.code_left, layout.code_top, layout.module_size
    )
    _draw_pdf_code(
        canvas,
        layout,
        layout.report_modules,
        layout.report_left,
        layout.report_top,
        layout.report_module_size,
    )


def _draw_pdf_code(canvas: Canvas, layout: Layout, modules, left, top, module) -> None:
    # One path for the whole code: no hairlines between neighbouring modules.
    path = canvas.beginPath()
    for row_index, row in enumerate(modules):
        y = layout.height - top - (row_index + 1) * module
        start = None
        for col, dark in enumerate([*row, False]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                path.rect(left + start * module, y, (col - start) * module, module)
                start = None
    canvas.drawPath(path, stroke=0, fill=1)


def new_canvas(out, page: str) -> Canvas:
    canvas = Canvas(
        str(out) if isinstance(out, Path) else out, pagesize=PAGE_SIZES[page], pageCompression=1
    )
    canvas.setTitle("Bản in mã QR")
    canvas.setCreator("fieldapp")
    return canvas


def poster_pdf(texts: list[PosterText], out, page: str = "A4") -> None:
    """Write posters, one a page, as a PDF to a path or binary file."""
    canvas = new_canvas(out, page)
    for text in texts:
        draw_pdf_page(canvas, layout_poster(text, page))
        canvas.showPage()
    canvas.save()


def poster_png(text: PosterText, font_dir: Path, page: str = "A4", dpi: int = 150) -> bytes:
    """The poster as a PNG image."""
    layout = layout_poster(text, page)
    scale = dpi / 72
    image = Image.new("L", (round(layout.width * scale), round(layout.height * scale)), 255)
    draw = ImageDraw.Draw(image)
    fonts: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}
    for line in layout.lines:
        px = max(1, round(line.size * scale))
        key = (line.weight, px)
        if key not in fonts:
            fonts[key] = ImageFont.truetype(str(font_dir / FONT_FILES[line.weight]), px)
        # On the layout's baseline, as the PDF draws it.
        draw.text(
            (line.x * scale, line.baseline * scale),
            line.text,
            font=fonts[key],
            fill=0,
            anchor="ms",
        )
    for modules, left, top, size in (
        (layout.modules, layout.code_left, layout.code_top, layout.module_size),
        (layout.report_modules, layout.report_left, layout.report_top, layout.report_module_size),
    ):
        module = size * scale
        for row_index, row in enumerate(modules):
            for col, dark in enumerate(row):
                if dark:
                    x0 = left * scale + col * module
                    y0 = top * scale + row_index * module
                    draw.rectangle(
                        [round(x0), round(y0), round(x0 + module) - 1, round(y0 + module) - 1],
                        fill=0,
                    )
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()

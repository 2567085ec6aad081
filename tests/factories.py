"""Plain builders for test data: answers of a complete finding, photos, lookups.

Fixtures live in conftest.py; these are ordinary functions a test imports."""

import io
import struct
import unicodedata
import uuid
import zlib

from PIL import Image

from fieldapp.extensions import db
from fieldapp.models import Commune, District, User

PASSWORD = "test-password"
FAST_HASH = "pbkdf2:sha256:1000"  # scrypt's cost is for attackers, not for test runs


def commune_named(district: District, name: str) -> Commune:
    return next(c for c in district.communes if c.name == name)


def jpeg_bytes(size=(800, 600), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def huge_png(side: int = 10_900) -> bytes:
    """A black 1-bit PNG of side × side pixels written by hand, a few kilobytes that
    announce over a hundred megapixels: nothing that large is ever built in memory."""
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte, then the row's bits
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


# A compliant finding's checklist answers as the form posts them (the benchmarks' simulated
# inspectors post them too).
COMPLIANT_ANSWERS = {
    "qr_posted": "visible",
    "qr_size_ok": "yes",
    "qr_matches": "yes",
    "checkin_method": "visitors_scan",
    "staff_assigned": "yes",
    "staff_name": "Lò Văn Hùng",
    "staff_phone": "0912345678",
    "visitors_observed": "10",
    "visitors_scanned": "9",
    "venue_scan_count": "420",
    "staff_total": "5",
    "staff_with_app": "5",
    "paper_fallback": "yes",
    "notes": "Mã QR dán ở cửa chính.",
}


def inspection_answers(**overrides) -> dict:
    """A complete, compliant set of form answers with one photo."""
    answers = {
        "uuid": str(uuid.uuid4()),
        "device_time": "2026-11-20T08:30:00+07:00",
        "latitude": "20.2560",
        "longitude": "104.9420",
        "gps_accuracy": "12",
        **COMPLIANT_ANSWERS,
        "photos": (io.BytesIO(jpeg_bytes()), "poster.jpg"),
    }
    answers.update(overrides)
    return {k: v for k, v in answers.items() if v is not None}


TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258(text: str) -> bytes:
    """Text as Vietnamese Windows writes it: a letter (ơ, ư, ă, â...), then its tone mark."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            letter = unicodedata.normalize(
                "NFC", base + "".join(m for m in marks if m not in TONES)
            )
            out += letter.encode("cp1258") + "".join(m for m in marks if m in TONES).encode(
                "cp1258"
            )
    return bytes(out)


def district_supervisor(district: District):
    """A supervisor of the district, whose scope is that district (added, not committed): who
    sends the district's letter (fieldapp/reports/deadlines.py)."""
    user = User(
        username=f"gui-{uuid.uuid4().hex[:8]}",
        display_name="Cán bộ phòng",
        role="supervisor",
        district=district,
        password_hash="-",
    )
    db.session.add(user)
    db.session.flush()
    return user

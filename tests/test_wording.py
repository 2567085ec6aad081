"""The office's wording (issue 15): the Vietnamese catalogue keeps one word for one thing.

The catalogue is compiled here from messages.po, as `make install` compiles it, so a
stale messages.mo on disk cannot hide a new entry."""

import gettext
import io
import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parent.parent / "fieldapp/translations/vi/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
# The older place of the tone mark (xoá, hoá, khoá, toạ, thuỷ): on the second vowel of an
# open oa / oe / uy. Place names and the letters write xóa, hóa, khóa, tọa, Thủy. "qu" is a
# consonant, so "quý" is right either way; "hoàn", "khoảng" (a closed syllable) are right.
OLD_TONE_MARK = re.compile(r"(?<![qQ])(o[àáảãạ]|o[èéẻẽẹ]|u[ỳýỷỹỵ])(?!\w)", re.IGNORECASE)
# Words the office does not use, each with the one it uses instead.
BANNED = {
    "poster": "bản in mã QR",
    "áp phích": "bản in mã QR",
    "hộp thư đi": "Chờ gửi",
    "lần cuối": "gần nhất",
    "số khách thấy vào": "Số người vào (quan sát được)",
    "trả lời bằng mắt": "hãy quan sát và tự chọn",
    "biên bản": "Phiếu kết quả kiểm tra (a biên bản needs the parties' signatures)",
    "bởi": "Đã sửa / Đã duyệt: Hà Thị Mai, ngày ...",
}


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as po:
        return read_po(po, locale="vi")


@pytest.fixture(scope="module")
def compiled(catalog):
    """The catalogue as the app reads it: msgid -> msgstr (plurals: the msgids' tuple -> forms)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translations = gettext.GNUTranslations(buffer)
    return {
        message.id: (
            tuple(translations.ngettext(message.id[0], message.id[1], n) for n in (1,))
            if isinstance(message.id, tuple)
            else translations.gettext(message.id)
        )
        for message in catalog
        if message.id
    }


def _strings(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def test_every_message_is_translated(catalog, compiled):
    untranslated = [
        message.id
        for message in catalog
        if message.id and (message.fuzzy or not all(_strings(message.string)))
    ]
    assert untranslated == []
    # What the app shows is the translation, not the English falling through.
    english = [
        msgid
        for msgid, shown in compiled.items()
        if _strings(shown) == _strings(msgid)[:1] and re.search(r"[a-z]{3}", _strings(msgid)[0])
    ]
    assert english == []


def test_translations_keep_the_placeholders(catalog):
    wrong = [
        (message.id, text)
        for message in catalog
        if message.id
        for text in _strings(message.string)
        if set(PLACEHOLDER.findall(text))
        != {p for msgid in _strings(message.id) for p in PLACEHOLDER.findall(msgid)}
    ]
    assert wrong == []


@pytest.mark.parametrize("word", sorted(BANNED))
def test_no_translation_uses_a_word_the_office_does_not(compiled, word):
    found = [
        (msgid, text)
        for msgid, shown in compiled.items()
        for text in _strings(shown)
        if word in text.lower()
    ]
    assert found == [], f"use “{BANNED[word]}” instead of “{word}”"


def test_lists_say_tat_ca_not_moi(compiled):
    """ "Tất cả xã / loại hình / cán bộ": a choice or a label never starts with "Mọi"."""
    found = [text for shown in compiled.values() for text in _strings(shown) if "Mọi " in text]
    assert found == []


def test_one_tone_mark_style(compiled):
    found = [
        (text, OLD_TONE_MARK.findall(text))
        for shown in compiled.values()
        for text in _strings(shown)
        if OLD_TONE_MARK.search(text)
    ]
    assert found == []


def test_the_old_style_pattern_only_catches_the_old_style():
    assert OLD_TONE_MARK.findall("Xoá ảnh, hoá đơn, khoá tài khoản, toạ độ, Thuỷ, Uỷ ban")
    assert len(OLD_TONE_MARK.findall("Xoá ảnh, hoá đơn, khoá tài khoản, toạ độ, Thuỷ")) == 5
    right = "Xóa ảnh, hóa đơn, khóa tài khoản, tọa độ, Sơn Thủy, Ủy ban, quý, hoàn thành, khoảng"
    assert OLD_TONE_MARK.findall(right) == []


@pytest.mark.parametrize(
    ("msgid", "wording"),
    [
        ("Compliant", "Đạt yêu cầu"),
        ("Needs improvement", "Cần khắc phục"),
        ("Non-compliant", "Không đạt"),
        ("Inspector", "Cán bộ kiểm tra"),
        ("Is the QR code posted?", "Mã QR có được niêm yết không?"),
        ("Replacement poster", "Cấp bản in mã QR mới"),
        ("Posters", "Bản in mã QR"),
        ("PC-Covid installs", "Số máy đã cài PC-Covid"),
        ("Smartphones", "Số máy điện thoại thông minh"),
        ("Visitors seen entering", "Số người vào (quan sát được)"),
        ("All communes", "Tất cả xã"),
        ("All types", "Tất cả loại hình"),
        ("All inspectors", "Tất cả cán bộ"),
        ("Outbox", "Chờ gửi"),
        ("Import a spreadsheet", "Tải bảng tính lên"),
        ("type them in", "nhập tay"),
        ("Commune", "Xã, phường, thị trấn"),
        ("Register a venue", "Thêm địa điểm"),
        ("Inspection record", "Phiếu kết quả kiểm tra"),
        ("%(state)s by %(name)s on %(date)s", "%(state)s: %(name)s, ngày %(date)s"),
    ],
)
def test_the_glossary(compiled, msgid, wording):
    assert compiled[msgid] == wording


def test_an_audit_line_reads_as_the_office_writes_it(compiled):
    line = compiled["%(state)s by %(name)s on %(date)s"] % {
        "state": compiled["Approved"],
        "name": "Hà Thị Mai",
        "date": "08/12/2026",
    }
    assert line == "Đã duyệt: Hà Thị Mai, ngày 08/12/2026"
    assert compiled["Edited by %(name)s, %(when)s"].startswith("Đã sửa: ")

"""One spreadsheet reader: CSV encodings and delimiters, XLSX in read-only mode, merged cells,
and the venue registry imported from it, by the command and through the web preview."""

import io
import re
import unicodedata
import zipfile

import pytest
from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.xml import DEFUSEDXML
from sqlalchemy import func, select

from fieldapp import spreadsheets
from fieldapp.extensions import db
from fieldapp.models import AuditEntry, Venue
from fieldapp.reports.figures import read_sheet
from fieldapp.spreadsheets import SheetUnreadable, decode_text, delimiter_of, read_table
from fieldapp.venues.importer import import_venues
from tests.factories import commune_named, cp1258


def xlsx(rows, merges=(), extra_merge_xml="") -> bytes:
    """An XLSX file of these rows; `extra_merge_xml` is written into the sheet's XML as is,
    for ranges openpyxl itself would fill cell by cell."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for merged in merges:
        sheet.merge_cells(merged)
    out = io.BytesIO()
    book.save(out)
    if not extra_merge_xml:
        return out.getvalue()
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"</sheetData>" + extra_merge_xml.encode(), 1)
            target.writestr(info, data)
    return patched.getvalue()


def venue(code):
    return db.session.scalar(select(Venue).where(Venue.code == code))


# Reading -----------------------------------------------------------------------------------


def test_windows_1258_text_is_read_as_composed_vietnamese():
    written = "Xã;Tên\nSơn Thủy;Nhà văn hóa bản Mường Mìn\n"
    assert b"\xd2" in cp1258(written)  # the hook of "ủ" as a mark of its own
    assert unicodedata.normalize("NFC", decode_text(cp1258(written))) == written
    rows = read_table(cp1258(written), "x.csv", 10, 10).rows
    assert rows == [["Xã", "Tên"], ["Sơn Thủy", "Nhà văn hóa bản Mường Mìn"]]


def test_windows_1252_and_utf8_with_or_without_bom():
    assert read_table("Name,Place\nCafé,Hà Nội\n".encode("utf-8-sig"), "x.csv", 5, 5).rows == [
        ["Name", "Place"],
        ["Café", "Hà Nội"],
    ]
    assert read_table("Name,Place\nCafé,Hue\n".encode("cp1252"), "x.csv", 5, 5).rows == [
        ["Name", "Place"],
        ["Café", "Hue"],
    ]


def test_utf16_is_refused_with_how_to_save_utf8():
    with pytest.raises(SheetUnreadable) as refused, force_locale("en"):
        read_table("a,b\n1,2\n".encode("utf-16"), "x.csv", 5, 5)
    with force_locale("en"):
        assert "CSV UTF-8" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("code,name,commune\nQS-1,Chợ,Sơn Hà\n", ","),
        (
            (
                "Mã;Tên;Địa chỉ;Vĩ độ;Kinh độ\nQS-1;Chợ;Bản Na Hồ, xã Sơn Hà;20,24;104,9\n"
                "QS-2;Trạm;Khu 1, thị trấn Sơn Lư, huyện Quan Sơn;20,25;104,8\n"
            ),
            ";",
        ),
        ("BÁO CÁO TUẦN, NGÀY 5/11\nXã\tTổng lượt quét\nSơn Hà\t4.336\n", "\t"),
    ],
)
def test_the_delimiter_is_the_one_that_makes_a_table(text, delimiter):
    assert delimiter_of(text) == delimiter


def test_xlsx_is_read_with_merged_cells_spread_over_the_rows_read():
    content = xlsx(
        [["Title"], ["Huyện", "Xã"], ["Quan Sơn", "Sơn Hà"], [None, "Sơn Lư"]],
        merges=["A1:C1", "A3:A4"],
    )
    table = read_table(content, "x.xlsx", 10, 10)
    assert table.rows == [
        ["Title", "Title", "Title"],
        ["Huyện", "Xã"],
        ["Quan Sơn", "Sơn Hà"],
        ["Quan Sơn", "Sơn Lư"],
    ]
    assert table.merged_cells_filled == 3


def test_overlapping_merged_ranges_touch_only_the_cells_read():
    # A few hundred bytes that claim a thousand overlapping merges of 21,000 rows × 60
    # columns (over a billion cells together): the reader visits no more cells than the
    # table has.
    merges = "".join(f'<mergeCell ref="A{n}:BH21000"/>' for n in range(1, 1001))
    content = xlsx(
        [["BÁO CÁO"], ["Xã", "Tổng số địa điểm tạo mã QR", "Tổng lượt quét"], ["Sơn Hà", 1, 2]],
        extra_merge_xml=f'<mergeCells count="1000">{merges}</mergeCells>',
    )
    assert len(content) < 20_000
    table = read_table(content, "x.xlsx", 2030, 60)
    assert len(table.rows) == 3 and all(len(row) <= 60 for row in table.rows)
    assert 0 < table.merged_cells_filled <= 3 * 60
    assert table.rows[0][:3] == ["BÁO CÁO"] * 3


def small_xlsx(dimension: str, merge: str) -> bytes:
    """An XLSX of two cells written by hand, its <dimension> and one merged range as given:
    openpyxl would write every cell of the range."""
    cell = '<c r="{0}" t="inlineStr"><is><t>{1}</t></is></c>'
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
        f'<dimension ref="{dimension}"/><sheetData>'
        f'<row r="1">{cell.format("A1", "Mã")}</row><row r="3">{cell.format("A3", "QS")}</row>'
        f'</sheetData><mergeCells count="1"><mergeCell ref="{merge}"/></mergeCells></worksheet>'
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    package = "http://schemas.openxmlformats.org/package/2006"
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    kinds = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{package}/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{kinds}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{kinds}.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": f'<Relationships xmlns="{package}/relationships"><Relationship Id="rId1" '
        f'Type="{office}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{office}"><sheets>'
        '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{package}/relationships">'
        f'<Relationship Id="rId1" Type="{office}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": sheet.replace("{main}", main),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


@pytest.mark.parametrize(
    ("dimension", "merge", "message"),
    [
        ("A1:CV10000", "A3:CV10000", "The sheet spans A1:CV10000"),
        ("A1:C3", "A3:CV10000", "The sheet merges the cells A3:CV10000"),
        ("A1:C3", "A1:XFD1048576", "The sheet merges the cells A1:XFD1048576"),
        ("A1:C3", "A:A", "The sheet merges the cells A1:A1048576"),
        ("A1:XFD1048576", "A1:B1", "The sheet spans A1:XFD1048576"),
    ],
)
def test_a_sheet_declaring_or_merging_too_many_cells_is_refused_before_it_is_read(
    monkeypatch, dimension, merge, message
):
    content = small_xlsx(dimension, merge)
    assert len(content) < 5_000
    rows_read = []
    monkeypatch.setattr(
        spreadsheets, "_trimmed", lambda row: rows_read.append(row) or row
    )  # every row read passes here
    with force_locale("en"), pytest.raises(SheetUnreadable) as refused:
        read_table(content, "x.xlsx", 20_002, 60)
    assert message in str(refused.value) and "21000 rows and 60 columns" in str(refused.value)
    assert rows_read == []


def test_a_sheet_within_the_limits_is_read():
    table = read_table(small_xlsx("A1:BH21000", "A3:BH3"), "x.xlsx", 20_002, 60)
    assert table.rows[0] == ["Mã"] and table.rows[2] == ["QS"] * 60


def test_the_figures_import_refuses_a_sheet_with_a_whole_sheet_merge(quan_son):
    content = xlsx(
        [["BÁO CÁO SỐ LIỆU"], ["STT", "Xã", "Tổng lượt quét"], [1, "Xã Sơn Hà", 34]],
        extra_merge_xml='<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>',
    )
    with pytest.raises(SheetUnreadable, match="A1:XFD1048576"):
        read_sheet(content, "x.xlsx")


def test_a_csv_larger_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_CSV_BYTES", 1000)
    with force_locale("en"), pytest.raises(SheetUnreadable, match="larger than"):
        read_table(b"a,b\n" * 300, "x.csv", 10, 10)
    assert read_table(b"a,b\n" * 200, "x.csv", 10, 10).rows == [["a", "b"]] * 10


def test_openpyxl_parses_xml_through_defusedxml():

    assert DEFUSEDXML  # defusedxml is installed, so entity expansion attacks are refused


def test_a_zip_that_unpacks_to_too_much_is_refused(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(SheetUnreadable):
        read_table(xlsx([["a", "b"]] * 100), "x.xlsx", 10, 10)


# The venue registry -------------------------------------------------------------------------


def test_a_windows_1258_venue_csv(cli_runner, quan_son, tmp_path):
    path = tmp_path / "dia-diem.csv"
    path.write_bytes(
        cp1258(
            "Mã;Tên địa điểm;Loại hình;Xã;Vĩ độ;Kinh độ\n"
            "QS-1;Nhà văn hóa bản Mường Mìn;Nhà văn hóa thôn;Xã Sơn Hà;20,24;"
            "104,9\nQS-2;Chợ Trung Xuân;Chợ;trung xuan;;\n"
        )
    )
    result = cli_runner.invoke(args=["import-venues", str(path)])
    assert result.exit_code == 0, result.output
    assert venue("QS-1").name == "Nhà văn hóa bản Mường Mìn"
    assert venue("QS-1").venue_type == "village_cultural_house"
    assert (venue("QS-1").latitude, venue("QS-2").commune.name) == (20.24, "Trung Xuân")


def test_an_xlsx_venue_registry(cli_runner, quan_son, tmp_path):
    path = tmp_path / "so-dia-diem.xlsx"
    path.write_bytes(
        xlsx(
            [
                [
                    "Mã",
                    "Tên địa điểm",
                    "Loại hình",
                    "Xã/Phường/Thị trấn",
                    "Vĩ độ",
                    "Kinh độ",
                    "Số điện thoại",
                ],
                ["QS-1", "Chợ Sơn Hà", "Chợ", "Xã Sơn Hà", 20.2401, 104.9052, "0912345678"],
                [1002, "Trạm Y tế thị trấn Sơn Lư", "Trạm y tế", "TT. Sơn Lư", None, None, None],
                [None, None, None, None, None, None, None],
                ["QS-3", "Quán karaoke", "karaoke", "Sơn Hà", None, None, None],
            ]
        )
    )
    result = cli_runner.invoke(args=["import-venues", str(path)])
    assert result.exit_code == 1
    assert "Row 5: “karaoke” is not a venue type." in result.output
    assert "2 venues imported, 1 rows refused" in result.output
    market = venue("QS-1")
    assert (market.latitude, market.longitude, market.contact_phone) == (
        20.2401,
        104.9052,
        "0912345678",
    )
    assert venue("1002").commune.name == "Sơn Lư" and venue("1002").venue_type == "health_station"


def test_a_semicolon_csv_with_commas_inside_cells(quan_son):
    report = import_venues(
        'Mã;Tên;Xã;Địa chỉ\nQS-1;Chợ Sơn Hà;Sơn Hà;"Bản Na Hồ, xã Sơn Hà"\n'
        "QS-2;Trạm Y tế;Sơn Lư;Khu 1, thị trấn Sơn Lư\n",
        quan_son,
    )
    assert report.ok
    assert [(v.code, v.address) for v in report.venues] == [
        ("QS-1", "Bản Na Hồ, xã Sơn Hà"),
        ("QS-2", "Khu 1, thị trấn Sơn Lư"),
    ]


def test_the_command_updates_registered_venues_when_asked(
    cli_runner, quan_son, make_venue, tmp_path
):
    make_venue("Chợ cũ", code="QS-OLD", contact_phone="0900000000")
    path = tmp_path / "v.csv"
    path.write_text(
        "code,name,commune,contact phone\nQS-OLD,Chợ Sơn Hà mới,Sơn Lư,\nQS-NEW,Nhà sách,Sơn Hà,\n"
    )
    result = cli_runner.invoke(args=["import-venues", str(path), "--update"])
    assert result.exit_code == 0, result.output
    assert "1 venues imported, 1 updated, 0 rows refused" in result.output
    old = venue("QS-OLD")
    # An empty cell keeps what is registered.
    assert (old.name, old.commune.name, old.contact_phone) == (
        "Chợ Sơn Hà mới",
        "Sơn Lư",
        "0900000000",
    )
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "edit", AuditEntry.entity_id == old.id)
        )
        == 1
    )


@pytest.fixture
def cli_runner(app):
    return app.test_cli_runner()


# The web import ------------------------------------------------------------------------------


@pytest.fixture
def admin(login, make_user):
    return login(make_user("admin", role="admin"))


def upload_registry(client, content, name="so-dia-diem.csv", **extra):
    data = {"file": (io.BytesIO(content), name), "update": "1", **extra}
    return client.post("/venues/import", data=data, content_type="multipart/form-data")


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


REGISTRY = (
    "Mã,Tên,Loại hình,Xã,Số điện thoại\n"
    "QS-OLD,Chợ Sơn Hà (mới),Chợ,Xã Sơn Hà,0912345678\n"
    "QS-NEW,Nhà sách Quan Sơn,Nhà sách,TT. Sơn Lư,\n"
    "QS-BAD,Quán karaoke,karaoke,Na Mèo,\n"
    "QS-YC,Chợ Chiềng Đông,Chợ,Sơn Hà,\n"
    "QS-SAME,Trạm Y tế,Trạm y tế,Trung Xuân,\n"
)


@pytest.fixture
def registered(quan_son, other_district, make_venue):
    make_venue("Chợ Sơn Hà", code="QS-OLD")
    make_venue(
        "Trạm Y tế",
        code="QS-SAME",
        venue_type="health_station",
        commune=commune_named(quan_son, "Trung Xuân"),
        address="",
        qr_payload="",
    )
    make_venue("Chợ Chiềng Đông", code="QS-YC", commune=other_district.communes[0])


def test_the_web_import_previews_then_imports(client, admin, registered, quan_son):
    preview = upload_registry(client, REGISTRY.encode())
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "1 địa điểm sẽ được tạo mới" in page and "1 được cập nhật" in page
    assert "2 bị từ chối" in page and "1 đã đăng ký đúng như trong tệp" in page
    assert "Nhà sách Quan Sơn" in page and "TT. Sơn Lư" in page  # the rows as read
    # Refused rows say why.
    assert "“karaoke” không phải là loại hình địa điểm." in page
    assert "“Na Mèo” không phải là đơn vị cấp xã của huyện Quan Sơn." in page
    assert "Không thể dùng mã QS-YC ở huyện này" in page and "huyện khác" not in page
    assert venue("QS-NEW") is None and venue("QS-OLD").name == "Chợ Sơn Hà"  # nothing yet

    imported = client.post(
        "/venues/import",
        data={"token": token_of(page), "district": quan_son.id, "update": "1", "action": "apply"},
    )
    assert imported.status_code == 303
    assert venue("QS-NEW").commune.name == "Sơn Lư" and venue("QS-NEW").venue_type == "bookshop"
    assert (venue("QS-OLD").name, venue("QS-OLD").contact_phone) == (
        "Chợ Sơn Hà (mới)",
        "0912345678",
    )
    assert venue("QS-BAD") is None
    assert venue("QS-YC").commune.district.name == "Yên Châu"  # another district's, untouched
    done = client.get(imported.headers["Location"]).get_data(as_text=True)
    assert "Quan Sơn: đã tạo 1 địa điểm, cập nhật 1, từ chối 2 dòng." in done
    # The kept upload is gone: confirming twice imports nothing twice.
    again = client.post(
        "/venues/import",
        data={"token": token_of(page), "district": quan_son.id, "update": "1", "action": "apply"},
    )
    assert again.status_code == 422 and "không còn; hãy chọn lại" in again.get_data(as_text=True)


def test_without_update_registered_codes_are_refused(client, admin, registered, quan_son):
    page = upload_registry(client, REGISTRY.encode(), update="").get_data(as_text=True)
    assert "Mã QS-OLD đã được đăng ký." in page and "0 được cập nhật" in page


def test_an_xlsx_registry_through_the_web(client, admin, quan_son):
    content = xlsx([["code", "name", "commune"], ["QS-1", "Chợ Sơn Hà", "Sơn Hà"]])
    page = upload_registry(client, content, "registry.xlsx").get_data(as_text=True)
    client.post(
        "/venues/import", data={"token": token_of(page), "district": quan_son.id, "action": "apply"}
    )
    assert venue("QS-1").commune.name == "Sơn Hà"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "so.csv", "Tệp trống"),
        (b"\x89PNG\r\n\x1a\n", "photo.png", "Hãy chọn tệp CSV hoặc XLSX"),
        (b"PK\x03\x04broken", "so.xlsx", "không phải là bảng tính XLSX"),
        ("code,name\nQS-1,Chợ\n".encode(), "so.csv", "Tệp thiếu cột"),
        (b"code,name,commune\n", "so.csv", "không có địa điểm nào"),
        (small_xlsx("A1:C3", "A3:CV10000"), "so.xlsx", "Trang tính gộp các ô A3:CV10000"),
        (small_xlsx("A1:CV10000", "A1:B1"), "so.xlsx", "Trang tính trải trên A1:CV10000"),
    ],
)
def test_files_that_cannot_be_imported_say_why(client, admin, quan_son, content, name, message):
    response = upload_registry(client, content, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_a_file_with_every_row_refused_cannot_be_imported(client, admin, quan_son):
    preview = upload_registry(client, "code,name,commune\nQS-1,Chợ,Mường Xén\n".encode())
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'value="apply"' not in page
    refused = client.post(
        "/venues/import", data={"token": token_of(page), "district": quan_son.id, "action": "apply"}
    )
    assert refused.status_code == 422 and venue("QS-1") is None


def test_another_users_upload_cannot_be_imported(client, admin, login, make_user, quan_son):
    page = upload_registry(client, "code,name,commune\nQS-1,Chợ,Sơn Hà\n".encode()).get_data(
        as_text=True
    )
    client.post("/logout")
    login(make_user("admin-2", role="admin"))
    response = client.post(
        "/venues/import", data={"token": token_of(page), "district": quan_son.id, "action": "apply"}
    )
    assert response.status_code == 422 and venue("QS-1") is None


def test_another_district_cannot_be_imported_into(client, admin, other_district):
    response = upload_registry(
        client,
        "code,name,commune\nQS-1,Chợ,Chiềng Đông\n".encode(),
        district=str(other_district.id),
    )
    assert response.status_code == 422 and venue("QS-1") is None


@pytest.mark.parametrize("role", ["inspector", "supervisor"])
def test_only_admins_import_the_registry(client, login, quan_son, role):
    login(username=role, role=role)
    assert client.get("/venues/import").status_code == 403
    assert upload_registry(client, "code,name,commune\nQS-1,A,Sơn Hà\n".encode()).status_code == 403
    assert venue("QS-1") is None


def test_the_admin_menu_links_to_the_import(client, admin):
    page = client.get("/venues/import").get_data(as_text=True)
    assert 'href="/venues/import"' in page and "Tải danh mục địa điểm lên" in page

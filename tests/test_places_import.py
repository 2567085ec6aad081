"""flask import-places and its service: a province's districts and communes from a CSV or
XLSX file, reused when registered, refused whole when a row is bad."""

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from fieldapp.config import ROOT
from fieldapp.demo import QUAN_SON_COMMUNES
from fieldapp.extensions import db
from fieldapp.models import AuditEntry, Commune, District, Province
from fieldapp.places import commune_kind_named, commune_kind_of, without_prefix
from fieldapp.places_import import check_places, import_places
from tests.factories import cp1258

EXAMPLE = ROOT / "deploy" / "places.example.csv"


@pytest.fixture
def cli(app, tmp_path):
    runner = app.test_cli_runner()

    def run(content: bytes | str, *options, name="places.csv"):
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return runner.invoke(args=["import-places", str(path), *options])

    return run


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Province, District, Commune)
    )


def communes_of(province: str, district: str) -> dict[str, str]:
    """The registered communes of a district: name → kind."""
    found = db.session.scalars(
        select(Commune)
        .join(District)
        .join(Province)
        .where(District.name == district, Province.name == province)
    )
    return {commune.name: commune.kind for commune in found}


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# The names and their prefixes (fieldapp/places.py) ---------------------------------------


@pytest.mark.parametrize(
    ("written", "name", "kind"),
    [
        ("Xã Sơn Hà", "Sơn Hà", "xa"),
        ("X. Sơn Hà", "Sơn Hà", "xa"),
        ("Thị trấn Sơn Lư", "Sơn Lư", "thi_tran"),
        ("TT. Sơn Lư", "Sơn Lư", "thi_tran"),
        ("tt  Sơn Lư", "Sơn Lư", "thi_tran"),
        ("P. Ba Đình", "Ba Đình", "phuong"),
        ("Phường Điện Biên", "Điện Biên", "phuong"),
        ("Huyện Quan Sơn", "Quan Sơn", None),
        ("Sơn Hà", "Sơn Hà", None),
        ("Xà Hồ", "Xà Hồ", None),
        ("Quan Sơn", "Quan Sơn", None),
        # Typed without diacritics, "xa" or "quan" may be a syllable of the name.
        ("xa ho", "xa ho", None),
        ("quan son", "quan son", None),
        ("x. son ha", "son ha", "xa"),
    ],
)
def test_a_prefix_gives_the_kind_and_is_not_part_of_the_name(written, name, kind):
    assert without_prefix(written) == name
    assert commune_kind_of(written) == kind


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("xã", "xa"),
        ("Xã", "xa"),
        ("xa", "xa"),
        ("Phường", "phuong"),
        ("thị trấn", "thi_tran"),
        ("Thị Trấn", "thi_tran"),
        ("thi_tran", "thi_tran"),
        ("TT.", "thi_tran"),
        ("ward", "phuong"),
        ("huyện", None),
        ("thôn", None),
        ("", None),
    ],
)
def test_a_kind_as_a_column_writes_it(written, kind):
    assert commune_kind_named(written) == kind


# The example file of the README ------------------------------------------------------------


def test_the_example_file_registers_quan_son_as_the_demo_has_it(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-places", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "Created 1 province, 1 district, 12 communes" in result.output
    assert communes_of("Thanh Hóa", "Quan Sơn") == {c.name: c.kind for c in QUAN_SON_COMMUNES}
    # The district now exists for the first admin, as the README goes on.
    result = runner.invoke(
        args=[
            "create-user",
            "admin",
            "--role",
            "admin",
            "--district",
            "Quan Sơn",
            "--password",
            "a long enough password 2021",
        ]
    )
    assert result.exit_code == 0, result.output


# Creating and reusing ------------------------------------------------------------------------


def test_a_second_import_creates_nothing_and_says_so(cli):
    first = cli(EXAMPLE.read_bytes())
    assert first.exit_code == 0, first.output
    assert counts() == (1, 1, 12)
    again = cli(EXAMPLE.read_bytes())
    assert again.exit_code == 0, again.output
    assert "Nothing to create" in again.output
    assert "1 province, 1 district, 12 communes" in again.output
    assert counts() == (1, 1, 12)


def test_registered_places_are_reused_whatever_their_prefix_or_spelling(cli, quan_son):
    before = counts()
    result = cli(
        "Tỉnh,Huyện,Xã/Phường/Thị trấn,Loại\n"
        "Thanh Hoá,Huyện Quan Sơn,Xã Sơn Hà,\n"  # Hoá: the older place of the tone mark
        "THANH HÓA,quan son,TT. Sơn Lư,thị trấn\n"
        "Thanh Hóa,Quan Sơn,Xã Tam Lư,\n"
        "Thanh Hóa,Cẩm Thủy,Thị trấn Phong Sơn,\n"
        "Thanh Hóa,Cẩm Thủy,Cẩm Châu,xã\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created 0 provinces, 1 district, 3 communes" in result.output
    assert "already registered: 1 province, 1 district, 2 communes" in result.output
    assert counts() == (before[0], before[1] + 1, before[2] + 3)
    quan_son_communes = communes_of("Thanh Hóa", "Quan Sơn")
    assert quan_son_communes["Tam Lư"] == "xa" and "Xã Sơn Hà" not in quan_son_communes
    assert communes_of("Thanh Hóa", "Cẩm Thủy") == {"Phong Sơn": "thi_tran", "Cẩm Châu": "xa"}


def test_the_same_commune_on_several_rows_is_one(cli):
    result = cli(
        "province,district,commune,kind\n"
        "Thanh Hóa,Quan Sơn,Xã Sơn Hà,\n"
        "Thanh Hóa,Quan Sơn,Sơn Hà,xã\n"
        "Thanh Hóa,Quan Sơn,son ha,\n"
    )
    assert result.exit_code == 0, result.output
    assert counts() == (1, 1, 1)
    assert communes_of("Thanh Hóa", "Quan Sơn") == {"Sơn Hà": "xa"}


def test_a_windows_1258_csv_with_semicolons(cli):
    text = "Tỉnh;Huyện;Xã;Loại\nThanh Hóa;Quan Sơn;Sơn Thủy;xã\nThanh Hóa;Quan Sơn;Mường Mìn;xã\n"
    result = cli(cp1258(text))
    assert result.exit_code == 0, result.output
    assert communes_of("Thanh Hóa", "Quan Sơn") == {"Sơn Thủy": "xa", "Mường Mìn": "xa"}


def test_a_utf8_csv_with_a_byte_order_mark(cli):
    result = cli(
        "province,district,commune,kind\nThanh Hóa,Quan Sơn,Sơn Điện,xã\n".encode("utf-8-sig")
    )
    assert result.exit_code == 0, result.output
    assert communes_of("Thanh Hóa", "Quan Sơn") == {"Sơn Điện": "xa"}


def test_an_xlsx_file(cli):
    content = xlsx(
        [
            ["Tỉnh", "Huyện", "Xã/Phường/Thị trấn"],
            ["Thanh Hóa", "Quan Sơn", "Thị trấn Sơn Lư"],
            ["Thanh Hóa", "Quan Sơn", "Xã Na Mèo"],
        ]
    )
    result = cli(content, name="dia-ban.xlsx")
    assert result.exit_code == 0, result.output
    assert communes_of("Thanh Hóa", "Quan Sơn") == {"Sơn Lư": "thi_tran", "Na Mèo": "xa"}


def test_a_dry_run_says_what_it_would_create_and_writes_nothing(cli, quan_son):
    before = counts()
    result = cli(
        "province,district,commune,kind\n"
        "Thanh Hóa,Quan Sơn,Sơn Hà,xã\n"
        "Thanh Hóa,Quan Sơn,Tam Thanh,xã\n",
        "--dry-run",
    )
    assert result.exit_code == 0, result.output
    assert "xã Tam Thanh (Quan Sơn)" in result.output
    assert "Sơn Hà" not in result.output
    assert "would create 0 provinces, 0 districts, 1 commune" in result.output
    db.session.expire_all()
    assert counts() == before


# Refusals ------------------------------------------------------------------------------------

BAD_ROWS = (
    "province,district,commune,kind\n"
    "Thanh Hóa,Quan Sơn,Sơn Hà,xã\n"  # row 2: good
    ",Quan Sơn,Tam Lư,xã\n"  # row 3
    "Thanh Hóa,,Tam Lư,xã\n"  # row 4
    "Thanh Hóa,Quan Sơn,,xã\n"  # row 5
    "Thanh Hóa,Quan Sơn,Tam Lư,thôn\n"  # row 6
    "Thanh Hóa,Quan Sơn,Thị trấn Sơn Lư,xã\n"  # row 7
    "Thanh Hóa,Quan Sơn,Sơn Điện,\n"  # row 8
    "Sơn La,Quan Sơn,Mường Mìn,xã\n"  # row 9
    "Thanh Hóa,Quan Sơn,Sơn Hà,thị trấn\n"  # row 10
)


def test_bad_rows_refuse_the_whole_file_with_their_numbers(cli):
    result = cli(BAD_ROWS)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    for expected in (
        "Row 3: The province is empty.",
        "Row 4: The district is empty.",
        "Row 5: The commune is empty.",
        "Row 6: “thôn” is not a kind of commune",
        "Row 7: The commune is written “Thị trấn Sơn Lư” but its kind is xã.",
        "Row 8: Is Sơn Điện a xã, a phường or a thị trấn?",
        "Row 9: The district Quan Sơn is under Thanh Hóa on row 2 and under Sơn La here.",
        "Row 10: Sơn Hà is a xã on row 2 and a thị trấn here.",
    ):
        assert any(line.startswith(expected) for line in lines), (expected, result.output)
    assert "8 rows refused; nothing was imported" in result.output
    assert "Row 2" not in result.output
    assert counts() == (0, 0, 0)


def test_a_kind_unlike_the_registered_one_is_refused(cli, quan_son):
    before = counts()
    result = cli(
        "province,district,commune,kind\n"
        "Thanh Hóa,Quan Sơn,Tam Lư,xã\n"
        "Thanh Hóa,Quan Sơn,Sơn Lư,xã\n"
    )
    assert result.exit_code == 1
    assert "Row 3: Sơn Lư (Quan Sơn) is registered as a thị trấn, not a xã." in result.output
    db.session.expire_all()
    assert counts() == before


def test_the_service_refuses_without_writing_and_names_the_rows(app):
    plan = import_places(BAD_ROWS.encode(), "places.csv")
    assert not plan.ok and not plan.applied
    assert [problem.row for problem in plan.problems] == [3, 4, 5, 6, 7, 8, 9, 10]
    db.session.flush()
    assert counts() == (0, 0, 0)


def test_the_service_checks_then_creates(app, quan_son):
    plan = check_places("province,district,commune\nThanh Hóa,Quan Sơn,Xã Trung Hạ\n")
    assert plan.ok
    assert [place.name for place in plan.new(plan.all_communes)] == ["Trung Hạ"]
    assert plan.all_districts[0].existing == quan_son
    assert communes_of("Thanh Hóa", "Quan Sơn").get("Trung Hạ") is None
    done = import_places("province,district,commune\nThanh Hóa,Quan Sơn,Xã Trung Hạ\n")
    assert done.applied
    assert communes_of("Thanh Hóa", "Quan Sơn")["Trung Hạ"] == "xa"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The file is empty."),
        ("district,commune\nQuan Sơn,Sơn Hà\n", "no column for: province"),
        ("province,district,commune,kind\n", "a header but no communes"),
        ("province,tỉnh,district,commune\nA,A,B,Xã C\n", "both give the province"),
    ],
)
def test_an_unreadable_file_is_refused(cli, content, message):
    result = cli(content)
    assert result.exit_code == 1
    assert message in result.output and "Nothing was imported." in result.output
    assert counts() == (0, 0, 0)


def test_a_name_too_long_for_the_database_is_refused(cli):
    result = cli(f"province,district,commune,kind\nThanh Hóa,Quan Sơn,{'Sơn' * 40},xã\n")
    assert result.exit_code == 1
    assert "Row 2: The commune is longer than 100 characters." in result.output


def test_the_readme_shows_the_head_of_the_example_file():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("```csv\n", 1)[1].split("```", 1)[0].splitlines()
    example = EXAMPLE.read_text(encoding="utf-8").splitlines()
    assert shown[0] == example[0] and set(shown[1:]) <= set(example[1:])
    assert "import-places" in readme and "flask --app wsgi shell" not in readme


def test_each_district_given_communes_has_it_in_its_audit_trail(cli, quan_son):
    result = cli(
        "province,district,commune,kind\n"
        "Thanh Hóa,Quan Sơn,Sơn Hà,xã\n"
        "Thanh Hóa,Quan Sơn,Tam Thanh,xã\n"
        "Thanh Hóa,Cẩm Thủy,Cẩm Châu,xã\n"
    )
    assert result.exit_code == 0, result.output
    logged = {
        entry.district_id: entry.details
        for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "places_imported")
        )
    }
    cam_thuy = db.session.scalar(select(District).where(District.name == "Cẩm Thủy"))
    assert logged.keys() == {quan_son.id, cam_thuy.id}
    assert logged[quan_son.id]["communes"] == ["Tam Thanh"]
    assert logged[cam_thuy.id]["communes"] == ["Cẩm Châu"]
    assert logged[quan_son.id]["file"] == "places.csv" and logged[quan_son.id]["os_user"]
    assert cli(EXAMPLE.read_bytes()).exit_code == 0
    again = cli(EXAMPLE.read_bytes())
    assert "Nothing to create" in again.output
    assert (
        db.session.scalar(select(func.count()).where(AuditEntry.action == "places_imported")) == 3
    )


def test_the_districts_admin_sees_it_on_the_audit_screen(cli, quan_son, login, client):
    assert cli("province,district,commune,kind\nThanh Hóa,Quan Sơn,Tam Thanh,xã\n").exit_code == 0
    login(username="admin", role="admin")
    page = client.get("/audit").get_data(as_text=True)
    assert "Đã đăng ký danh sách xã, phường, thị trấn" in page and "Tam Thanh" in page

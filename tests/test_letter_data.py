"""The letter's data (issue 14): which findings are counted, re-imports that leave out
columns, totals built from some districts only, and the official order of the rows."""

import io
import random
import uuid
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.inspections import service
from fieldapp.models import Commune, CommuneFigures, District
from fieldapp.places_import import import_places
from fieldapp.reports.appendix import appendix_rows
from fieldapp.reports.figures import (
    check_typed_figures,
    field_name,
    preview_import,
    read_sheet,
    save_typed_figures,
)
from fieldapp.reports.findings import COUNTED_NOTE
from fieldapp.reports.notice import GroupRule, section_one
from fieldapp.reports.weekly import (
    district_report,
    national_report,
    official_order,
    province_report,
)
from fieldapp.reviews.service import approve, return_for_correction
from tests.factories import commune_named
from tests.test_reports import token_of, upload
from tests.test_rollups import NO_GPS, NOWHERE, answers_for

DAY = date(2021, 11, 12)
HEADER = "STT,Huyện,Thị trấn /xã,Tổng số địa điểm tạo mã QR,Tổng lượt quét"
FULL_HEADER = f"{HEADER},Số người cài PC-Covid,Số điện thoại thông minh"


def sheet(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join((header, *lines)).encode()


def apply(client, district, content: bytes, day: date = DAY, **extra):
    """Upload a sheet, check its preview, apply it; the preview's page."""
    preview = upload(client, content, "tuan.csv", day, district)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page
    applied = client.post(
        "/reports/import",
        data={
            "token": token_of(page),
            "district": district.id,
            "date": day.isoformat(),
            "source": "tuan.csv",
            "action": "apply",
            **extra,
        },
    )
    assert applied.status_code == 303, applied.get_data(as_text=True)
    return page


def stored(commune: Commune, day: date = DAY) -> CommuneFigures:
    db.session.expire_all()
    return db.session.scalars(
        select(CommuneFigures).where(
            CommuneFigures.commune_id == commune.id, CommuneFigures.report_date == day
        )
    ).one()


# Returned findings are left out until corrected -------------------------------------------


def test_returned_findings_leave_the_district_report_until_corrected(
    app, client, login, quan_son, make_venue, make_user
):
    inspector = make_user()
    supervisor = make_user("supervisor", role="supervisor")
    son_ha, trung_xuan = commune_named(quan_son, "Sơn Hà"), commune_named(quan_son, "Trung Xuân")
    venues = [make_venue("Chợ", commune=son_ha), make_venue("Quán", commune=trung_xuan)]
    findings = {}
    for venue, days_before, posted in (
        (venues[0], 3, "visible"),  # Chợ: an earlier visible finding, then a missing one
        (venues[0], 1, "missing"),
        (venues[1], 2, "visible"),  # Quán: one finding only
    ):
        findings[(venue.name, days_before)] = service.record_inspection(
            venue,
            inspector,
            str(uuid.uuid4()),
            {**answers_for(random.Random(days_before)), "qr_posted": posted},
            None,
            NOWHERE,
            NO_GPS,
            [],
            received_at=clock.day_start(DAY - timedelta(days=days_before)) + timedelta(hours=2),
        )[0]
    db.session.commit()

    def counted():
        report = district_report(quan_son, DAY)
        rows = {row.name: row.findings for row in report.rows}
        return (
            report.total.findings.venues_inspected,
            rows["Sơn Hà"].qr_visible,
            rows["Trung Xuân"].venues_inspected,
        )

    assert counted() == (2, 0, 1)  # Chợ by its latest (missing)
    return_for_correction(findings[("Chợ", 1)], supervisor, "Ảnh không rõ.")
    return_for_correction(findings[("Quán", 2)], supervisor, "Sai địa điểm.")
    db.session.commit()
    assert counted() == (1, 1, 0)  # Chợ by its earlier one; Quán not at all
    approve(findings[("Chợ", 3)], supervisor)  # approved: still counted
    db.session.commit()
    assert counted() == (1, 1, 0)
    corrected = findings[("Quán", 2)]
    service.update_inspection(
        corrected, corrected.inspector, answers_for(random.Random(9)), NOWHERE, NO_GPS, []
    )  # corrected: pending again
    db.session.commit()
    assert counted() == (2, 1, 1)

    login(supervisor)
    page = client.get(f"/reports/{quan_son.id}/{DAY.isoformat()}").get_data(as_text=True)
    assert COUNTED_NOTE in page  # the page says what is counted, and the spreadsheet
    book = load_workbook(io.BytesIO(client.get(f"/reports/{quan_son.id}/{DAY}.xlsx").data))
    found = book["Kiểm tra"]
    assert found.cell(found.max_row, 1).value == COUNTED_NOTE


# A re-import that leaves out columns ------------------------------------------------------


def test_a_reimport_without_install_columns_keeps_them_unless_told(
    app, client, login, make_user, quan_son
):
    login(make_user("supervisor", role="supervisor"))
    son_ha, son_lu = commune_named(quan_son, "Sơn Hà"), commune_named(quan_son, "Sơn Lư")
    apply(
        client,
        quan_son,
        sheet(
            "1,Quan Sơn,Xã Sơn Hà,1200,4000,300,1000",
            "2,Quan Sơn,Thị trấn Sơn Lư,2000,5000,,",  # no installs before either
            header=FULL_HEADER,
        ),
    )
    without = sheet("1,Quan Sơn,Xã Sơn Hà,1250,4500", "2,Quan Sơn,Thị trấn Sơn Lư,2100,5200")

    preview = upload(client, without, "lai.csv", DAY, quan_son).get_data(as_text=True)
    assert "Số liệu mà bảng tính này không có" in preview
    assert "sẽ được giữ lại" in preview and "sẽ bị xóa" not in preview
    # Per commune, per column: Sơn Hà's two figures; Sơn Lư had none to lose.
    assert "Sơn Hà: Số máy đã cài PC-Covid 300, Số máy điện thoại thông minh 1.000" in preview
    assert "Sơn Lư:" not in preview
    assert 'name="remove_omitted" value="1" >' in preview  # not ticked: keeping is the default

    apply(client, quan_son, without)  # the default: keep
    kept = stored(son_ha)
    assert (kept.scans, kept.installs, kept.smartphones) == (4500, 300, 1000)
    assert stored(son_lu).installs is None

    ticked = upload(client, without, "lai.csv", DAY, quan_son, remove_omitted="1")
    assert "sẽ bị xóa" in ticked.get_data(as_text=True)
    apply(client, quan_son, without, remove_omitted="1")
    removed = stored(son_ha)
    assert (removed.scans, removed.installs, removed.smartphones) == (4500, None, None)


def test_a_blank_install_cell_counts_as_left_out(app, quan_son):
    son_ha = commune_named(quan_son, "Sơn Hà")
    db.session.add(
        CommuneFigures(
            commune=son_ha, report_date=DAY, venues_with_qr=1, scans=2, installs=3, smartphones=4
        )
    )
    db.session.commit()
    content = sheet("1,Quan Sơn,Xã Sơn Hà,10,20,,40", header=FULL_HEADER)
    preview = preview_import(read_sheet(content, "x.csv"), quan_son, DAY, DAY)
    (row,) = preview.omissions
    assert row.omitted == {"installs": 3}
    assert preview.figures_to_save(row)["installs"] == 3
    preview.remove_omitted = True
    assert preview.figures_to_save(row)["installs"] is None


# A province's total from some districts only ---------------------------------------------


def test_a_province_total_from_some_districts_says_so(app, client, login, make_user, quan_son):
    province = quan_son.province
    for name in ("Mường Lát", "Bá Thước"):
        db.session.add(District(name=name, province=province, communes=[Commune(name="Trung Lý")]))
    db.session.add(
        CommuneFigures(
            commune=commune_named(quan_son, "Sơn Hà"), report_date=DAY, venues_with_qr=5, scans=9
        )
    )
    db.session.commit()

    report = province_report(province, DAY)
    assert report.partial_total == (1, 3)
    assert report.total.partial_note == "(1/3 huyện có số liệu)"
    first = section_one(report, GroupRule())[0].text
    assert first.endswith("lượt (1/3 huyện có số liệu).")  # the letter says it too
    assert [row.partial_districts for row in report.rows] == [None, None, None]
    country = national_report(DAY)
    assert [row.partial_districts for row in country.rows] == [(1, 3)]
    assert country.partial_total == (1, 3)
    assert district_report(quan_son, DAY).partial_total is None

    login(make_user("tinh", role="supervisor", scope="country"))
    page = client.get(f"/reports/province/{province.id}/{DAY.isoformat()}")
    assert "(1/3 huyện có số liệu)" in page.get_data(as_text=True)
    summary = client.get(f"/reports/country/{DAY.isoformat()}").get_data(as_text=True)
    assert "(1/3 huyện có số liệu)" in summary

    # Every district reporting: nothing to say.
    for district in province.districts:
        for commune in district.communes:
            if commune.name != "Sơn Hà":
                db.session.add(
                    CommuneFigures(commune=commune, report_date=DAY, venues_with_qr=1, scans=1)
                )
    db.session.commit()
    assert province_report(province, DAY).partial_total is None
    summary = client.get(f"/reports/country/{DAY.isoformat()}").get_data(as_text=True)
    assert "huyện có số liệu" not in summary


# The official order ------------------------------------------------------------------------


def appendix_names(district) -> list[str]:
    """The appendix's communes in its order, without the prefix it writes ("Xã Trung Xuân",
    "Thị trấn Sơn Lư"): the order is what these tests check."""
    names = [row[2] for row in appendix_rows(district_report(district, DAY))[:-1]]
    return [name.removeprefix("Xã ").removeprefix("Thị trấn ") for name in names]


def test_the_appendix_keeps_the_sheets_order_then_hand_entered_communes(
    app, client, login, make_user, quan_son
):
    user = login(make_user("supervisor", role="supervisor"))
    # STT shuffled against the rows and against the alphabet: the STT decides.
    apply(
        client,
        quan_son,
        sheet(
            "2,Quan Sơn,Xã Sơn Hà,1,10",
            "3,Quan Sơn,Thị trấn Sơn Lư,1,20",
            "1,Quan Sơn,Xã Trung Xuân,1,30",
        ),
    )
    assert appendix_names(quan_son) == ["Trung Xuân", "Sơn Hà", "Sơn Lư"]
    # the form where figures are typed in lists them in the same order
    form = client.get(f"/reports/{quan_son.id}/{DAY.isoformat()}/figures").get_data(as_text=True)
    assert form.index("Trung Xuân") < form.index("Sơn Hà") < form.index("Sơn Lư")
    report = district_report(quan_son, DAY)
    assert [row.name for row in report.rows] == ["Trung Xuân", "Sơn Hà", "Sơn Lư"]

    # Communes never imported, typed in by hand, follow: by kind (thị trấn before xã), name.
    for name, kind in (("Tam Thanh", "xa"), ("Na Mèo", "xa"), ("Mường Mìn", "thi_tran")):
        db.session.add(Commune(name=name, kind=kind, district=quan_son))
    db.session.commit()
    communes = list(quan_son.communes)
    typed = {
        field_name(count, commune): "5"
        for commune in communes
        if commune.sheet_order is None
        for count in ("venues_with_qr", "scans")
    }
    checked = check_typed_figures(communes, {}, typed, DAY, DAY)
    assert not checked.errors
    save_typed_figures(checked, DAY, user)
    db.session.commit()
    assert appendix_names(quan_son) == [
        "Trung Xuân",
        "Sơn Hà",
        "Sơn Lư",
        "Mường Mìn",
        "Na Mèo",
        "Tam Thanh",
    ]

    # The next week's sheet brings a new order (and Na Mèo): each import updates it.
    apply(
        client,
        quan_son,
        sheet(
            "1,Quan Sơn,Thị trấn Sơn Lư,1,20",
            "2,Quan Sơn,Xã Na Mèo,1,10",
            "3,Quan Sơn,Xã Sơn Hà,1,10",
            "4,Quan Sơn,Xã Trung Xuân,1,30",
        ),
        day=DAY + timedelta(days=7),
    )
    report = district_report(quan_son, DAY + timedelta(days=7))
    assert [row.name for row in report.rows] == [
        "Sơn Lư",
        "Na Mèo",
        "Sơn Hà",
        "Trung Xuân",
        "Mường Mìn",
        "Tam Thanh",
    ]


def test_a_sheet_without_stt_keeps_its_rows_order(app, quan_son):
    content = "Thị trấn /xã,Tổng số địa điểm tạo mã QR,Tổng lượt quét\n" + "\n".join(
        ("Xã Trung Xuân,1,1", "Xã Sơn Hà,1,1", "Thị trấn Sơn Lư,1,1")
    )
    preview = preview_import(read_sheet(content.encode(), "x.csv"), quan_son, DAY, DAY)
    orders = preview.sheet_orders()
    by_name = {commune.name: orders[commune.id] for commune in quan_son.communes}
    assert by_name["Trung Xuân"] < by_name["Sơn Hà"] < by_name["Sơn Lư"]


def test_a_places_file_gives_the_districts_order(app):
    rows = ["Tỉnh,Huyện,Xã"] + [
        f"Thanh Hóa,{district},Xã {commune}"
        for district, commune in (
            ("Quan Sơn", "Sơn Hà"),
            ("Mường Lát", "Trung Lý"),
            ("Quan Sơn", "Trung Xuân"),
            ("Bá Thước", "Điền Lư"),
        )
    ]
    plan = import_places("\n".join(rows), "places.csv")
    assert plan.ok, plan.problems
    db.session.commit()
    (province,) = [place.registered for place in plan.all_provinces]
    names = [row.name for row in province_report(province, DAY).rows]
    assert names == ["Quan Sơn", "Mường Lát", "Bá Thước"]  # the file's, not the alphabet's


def test_districts_follow_their_own_order_where_known_else_their_names(app, quan_son):
    province = quan_son.province
    for name in ("Bá Thước", "Mường Lát", "Cẩm Thủy"):
        db.session.add(District(name=name, province=province, communes=[Commune(name="Xã A")]))
    db.session.commit()
    assert [r.name for r in province_report(province, DAY).rows] == [
        "Bá Thước",
        "Cẩm Thủy",
        "Mường Lát",
        "Quan Sơn",
    ]
    orders = {"Quan Sơn": 1, "Mường Lát": 2}
    for district in province.districts:
        district.sheet_order = orders.get(district.name)
    db.session.commit()
    rows = province_report(province, DAY).rows
    assert [r.name for r in rows] == ["Quan Sơn", "Mường Lát", "Bá Thước", "Cẩm Thủy"]
    assert official_order(list(reversed(rows))) == rows

"""A month still to come is refused as a report date to come is (the one rule,
fieldapp/reports/figures.py `report_date_problem`): its pages and exports are not found,
saying why, and `flask report` writes nothing and exits non-zero."""

import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AuditEntry
from fieldapp.reports.figures import report_date_problem

NOW = datetime(2021, 11, 20, 3, 0)  # Saturday 20/11/2021, 10:00 in Vietnam


def test_the_rule_for_a_month():
    today = NOW.date()
    assert report_date_problem(date(2021, 11, 1), today, month=True) is None  # this month
    assert report_date_problem(date(2021, 10, 1), today, month=True) is None
    assert report_date_problem(date(2021, 12, 1), today, month=True) is not None
    assert report_date_problem(date(2021, 11, 20), today) is None  # today
    assert report_date_problem(date(2021, 11, 21), today) is not None


@pytest.mark.parametrize(
    "path",
    [
        "/reports/{d}/month/{month}",
        "/reports/{d}/month/{month}.pdf",
        "/reports/{d}/month/{month}.xlsx",
        "/reports/province/{p}/month/{month}",
        "/reports/province/{p}/month/{month}.docx",
        "/reports/country/month/{month}",
        "/reports/country/month/{month}.csv",
    ],
)
def test_a_month_to_come_is_not_found_with_the_reason(
    app, client, login, make_user, quan_son, frozen_clock, path
):
    frozen_clock(NOW)
    login(make_user("bo", role="supervisor", scope="country"))
    values = {"d": quan_son.id, "p": quan_son.province_id}
    response = client.get(path.format(month="2021-12", **values))
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert 'id="future-date"' in page
    assert "Tháng 12/2021 nằm trong tương lai." in page
    # This month and the ones before are made, as before.
    assert client.get(path.format(month="2021-11", **values)).status_code == 200
    assert client.get(path.format(month="2021-10", **values)).status_code == 200
    # A refused export is not audited as an export.
    exports = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "export")
    assert db.session.scalar(exports) == (2 if "." in path.split("/")[-1] else 0)


def test_the_page_of_a_month_to_come_speaks_english_too(
    client, login, make_user, quan_son, frozen_clock
):
    frozen_clock(NOW)
    login(make_user("huyen", role="supervisor", locale="en"))
    page = client.get(f"/reports/{quan_son.id}/month/2022-01").get_data(as_text=True)
    assert "The month 01/2022 is in the future." in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--district", "quan son", "--date", "21/11/2021"],
            "The report date 21/11/2021 is in the future.",
        ),
        (["--district", "quan son", "--month", "2021-12"], "The month 12/2021 is in the future."),
        (["--province", "thanh hoa", "--month", "12/2021"], "The month 12/2021 is in the future."),
        (["--country", "--date", "27/11/2021"], "The report date 27/11/2021 is in the future."),
    ],
)
def test_flask_report_refuses_a_date_or_month_to_come(
    app, quan_son, frozen_clock, tmp_path, args, message
):
    frozen_clock(NOW)
    out = tmp_path / "bao-cao.pdf"
    result = app.test_cli_runner().invoke(args=["report", *args, "--format", "pdf", "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert message in result.output and "Nothing was written." in result.output
    assert not out.exists()


def test_flask_report_writes_this_month_and_today(app, quan_son, frozen_clock, tmp_path):
    frozen_clock(NOW)
    runner = app.test_cli_runner()
    for args in (["--month", "2021-11"], ["--date", "20/11/2021"]):
        out = tmp_path / "bao-cao.csv"
        result = runner.invoke(
            args=["report", "--district", "quan son", *args, "--format", "csv", "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert out.exists()


def _texts(response, fmt: str) -> str:
    """The words of an XLSX's cells or a DOCX's paragraphs, joined."""
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        return " ".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    with zipfile.ZipFile(io.BytesIO(response.data)) as document:
        return document.read("word/document.xml").decode()


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_a_month_still_running_is_dated_today(
    client, login, make_user, quan_son, frozen_clock, fmt
):
    """On 20/11/2021 the November documents say "20/11/2021" (in Vietnam), not the month's
    last day; a month over says its last day."""
    frozen_clock(NOW)
    login(make_user("huyen", role="supervisor"))
    running = client.get(f"/reports/{quan_son.id}/month/2021-11.{fmt}")
    assert running.status_code == 200
    text = _texts(running, fmt)
    assert "20/11/2021" in text and "30/11/2021" not in text
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert entry.details["date"] == "2021-11-20" and entry.details["month"] == "2021-11"
    over = _texts(client.get(f"/reports/{quan_son.id}/month/2021-10.{fmt}"), fmt)
    assert "31/10/2021" in over

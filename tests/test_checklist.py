"""The checklist declared once: every question reaches the form, the saving, the audit,
the inspection page and its PDF, and the page and the PDF list the same answers."""

import html
import re
from dataclasses import fields
from datetime import timedelta

import pypdfium2
import pytest
from sqlalchemy import inspect as sql_inspect
from sqlalchemy import select

from fieldapp import clock
from fieldapp.audit import INSPECTION_FIELDS, field_label
from fieldapp.extensions import db
from fieldapp.inspections.checklist import (
    BY_NAME,
    KINDS,
    QUESTION_NAMES,
    QUESTIONS,
    SECTIONS,
    answer_lines,
)
from fieldapp.inspections.outcome import REQUIRED_ANSWERS, Checklist
from fieldapp.models import Inspection
from tests.factories import inspection_answers

# A re-inspection date within the planning horizon (clock.beyond_planning).
SOON = clock.today() + timedelta(days=60)

ANSWER_LINE = re.compile(r'<dt>(.*?)</dt><dd[^>]*data-answer="(\w+)">(.*?)</dd>', re.DOTALL)


@pytest.fixture
def company(make_venue):
    """An enterprise, so that every question of the checklist is asked."""
    return make_venue(
        "Công ty TNHH Lâm sản Quan Sơn",
        venue_type="enterprise",
        latitude=20.2560,
        longitude=104.9420,
    )


@pytest.fixture
def finding(client, login, company):
    """A finding of the enterprise with every question answered, the code scanned."""
    login()
    response = client.post(
        f"/venues/{company.id}/inspections",
        data=inspection_answers(
            risk_assessment_done="no",
            scanned_payload=company.qr_payload,
            venue_scan_count="4200",
            actions=["reminder", "reinspection_scheduled"],
            reinspection_due=SOON.isoformat(),
            notes="Mã QR dán ở cửa chính.\nĐã hẹn kiểm tra lại.",
        ),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return db.session.scalar(select(Inspection))


def page_lines(client, inspection) -> list[tuple[str, str, str, str]]:
    """(question, title, answer, detail) of each line of the inspection page."""
    page = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    lines = []
    for title, name, body in ANSWER_LINE.findall(page):
        text, _, detail = body.partition('<br><span class="payload">')
        detail = detail.removesuffix("</span>")
        lines.append((name, html.unescape(title), html.unescape(text), html.unescape(detail)))
    return lines


def pdf_text(client, inspection) -> str:
    document = pypdfium2.PdfDocument(client.get(f"/inspections/{inspection.id}.pdf").data)
    text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    return " ".join(text.split())


def test_every_question_has_a_kind_a_section_and_a_column():
    columns = {column.key for column in sql_inspect(Inspection).columns}
    sections = {section.name for section in SECTIONS}
    for question in QUESTIONS:
        assert question.kind in KINDS, question.name
        assert question.section in sections, question.name
        assert question.name in columns, f"{question.name}: add its column and a migration"
        assert (question.title is None) == (question.shown_in is not None), question.name
        if question.shown_in:
            assert BY_NAME[question.shown_in].title is not None


def test_every_question_is_on_the_form(client, login, company):
    login()
    page = client.get(f"/venues/{company.id}/inspections/new").get_data(as_text=True)
    for question in QUESTIONS:
        assert f'name="{question.name}"' in page, question.name
        if question.kind != "scanned_code":  # a hidden field, filled by the scan
            assert f'id="field-{question.name}"' in page, question.name
            assert html.escape(str(question.label), quote=False) in page, question.name


def test_every_question_is_audited_under_its_own_label():
    for question in QUESTIONS:
        assert question.name in INSPECTION_FIELDS
        assert field_label(question.name) == str(question.label)


def test_every_answer_is_on_the_page_and_in_the_pdf(client, finding):
    lines = {
        name: (title, text, detail) for name, title, text, detail in page_lines(client, finding)
    }
    text = pdf_text(client, finding)
    for question in QUESTIONS:
        title, answer, detail = lines[question.shown_in or question.name]
        assert " ".join(title.split()) in text, question.name
        assert " ".join(answer.split()) in text, question.name
        assert detail in text, question.name
    assert lines["staff_assigned"][1] == "Có: Lò Văn Hùng · 0912345678"
    assert lines["visitors_observed"][1] == "9 / 10"
    assert lines["venue_scan_count"][1] == "4.200"
    assert lines["reinspection_due"][1] == SOON.strftime("%d/%m/%Y")
    assert lines["risk_assessment_done"][1] == "Không"
    assert lines["scanned_payload"][1:] == ("Đúng mã của địa điểm", finding.venue.qr_payload)


def test_the_page_and_the_pdf_list_the_same_answers_in_the_same_order(client, finding):
    lines = page_lines(client, finding)
    assert [(name, title, text, detail) for name, title, text, detail in lines] == [
        (line.name, line.title, line.text, line.detail) for line in answer_lines(finding)
    ]
    text = pdf_text(client, finding)
    position = 0
    for _, title, answer, _ in lines:  # each line after the one before
        position = text.find(" ".join(f"{title} {answer}".split()), position)
        assert position >= 0, title
    # The line the PDF used to miss.
    assert "Mã đã quét" in text and finding.venue.qr_payload in text


def test_a_shop_is_not_asked_about_the_risk_self_assessment(client, login, make_venue):
    login()
    shop = make_venue("Cửa hàng tạp hóa Hà Linh", venue_type="shop")
    client.post(
        f"/venues/{shop.id}/inspections",
        content_type="multipart/form-data",
        data=inspection_answers(risk_assessment_done="no"),
    )
    inspection = db.session.scalar(select(Inspection))
    assert inspection.risk_assessment_done is None
    names = [name for name, *_ in page_lines(client, inspection)]
    assert "risk_assessment_done" not in names and "Tự đánh giá" not in pdf_text(client, inspection)
    assert "scanned_payload" not in names  # no code was scanned


def test_answers_to_questions_that_do_not_apply_are_not_kept(client, login, make_venue):
    """A hidden question keeps no stale answer: with no code posted the own-code question
    is skipped, with nobody assigned there is no name or phone."""
    login()
    venue = make_venue()
    client.post(
        f"/venues/{venue.id}/inspections",
        content_type="multipart/form-data",
        data=inspection_answers(
            qr_posted="missing",
            qr_matches="no",
            qr_size_ok="no",
            checkin_method="staff_scan",
            staff_assigned="no",
        ),
    )
    inspection = db.session.scalar(select(Inspection))
    assert (inspection.qr_matches, inspection.qr_size_ok) == ("not_checked", None)
    assert (inspection.staff_name, inspection.staff_phone) == ("", "")
    assert inspection.reason_list == ["qr_missing_staff_scan", "no_staff"]


def test_a_correction_form_holds_every_stored_answer(client, finding):
    page = client.get(f"/inspections/{finding.id}/edit").get_data(as_text=True)
    for expected in (
        'value="4200"',
        f'value="{SOON.isoformat()}"',
        'value="Lò Văn Hùng"',
        f'value="{finding.venue.qr_payload}"',
    ):
        assert expected in page, expected
    for name, value in (
        ("risk_assessment_done", "no"),
        ("qr_posted", "visible"),
        ("actions", "reinspection_scheduled"),
    ):
        assert re.search(
            rf'checked id="{name}-\d" name="{name}" type="\w+" value="{value}"', page
        ), name


def test_the_outcome_reads_only_questions_of_the_checklist():
    """The outcome rule's answers are checklist questions (its one interface to them): a
    question it needs cannot be renamed or dropped from the checklist unnoticed."""
    read = {f.name for f in fields(Checklist)} - {"device_time"}
    assert read <= set(QUESTION_NAMES)
    assert set(REQUIRED_ANSWERS) <= read
    assert all(BY_NAME[name].kind in ("choice", "yes_no") for name in REQUIRED_ANSWERS)

"""A finding the outbox sent and the server refused: its errors name their questions, in
the form's order (the checklist's), never by field code (issue 15)."""

import io

from fieldapp.inspections.checklist import BY_NAME, QUESTION_NAMES
from tests.factories import inspection_answers, jpeg_bytes

JSON = {"Accept": "application/json"}


def refused(client, venue, **answers):
    response = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(photos=(io.BytesIO(jpeg_bytes()), "a.jpg"), **answers),
        headers=JSON,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    return response.get_json()


def test_errors_name_their_questions_in_the_forms_order(client, login, make_venue):
    login()
    venue = make_venue()
    # Codes sorted alphabetically would put visitors_scanned after qr_posted and
    # staff_phone: the checklist asks qr_posted first, visitors_scanned last of these.
    body = refused(
        client, venue, qr_posted=None, staff_phone="12", visitors_scanned="50", notes="Ghi chú"
    )
    problems = body["problems"]
    names = [problem["name"] for problem in problems]
    assert names == sorted(names, key=QUESTION_NAMES.index)
    assert set(names) == {"qr_posted", "staff_phone", "visitors_scanned"}
    first = problems[0]
    assert first["label"] == "Mã QR có được niêm yết không?" == str(BY_NAME["qr_posted"].label)
    assert first["messages"] == ["Chọn một câu trả lời."]
    for problem in problems:
        assert problem["label"] == str(BY_NAME[problem["name"]].label)
        assert problem["label"] != problem["name"] and problem["messages"]
    # The errors by field stay for the form's own fields.
    assert body["errors"]["qr_posted"] == ["Chọn một câu trả lời."]


def test_a_photo_error_comes_after_the_questions(client, login, make_venue):
    login()
    venue = make_venue()
    response = client.post(
        f"/venues/{venue.id}/inspections",
        data=inspection_answers(qr_posted=None, photos=(io.BytesIO(b"not a picture"), "a.jpg")),
        headers=JSON,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    names = [problem["name"] for problem in response.get_json()["problems"]]
    assert names[0] == "qr_posted"
    assert names[-1] == "photos"

"""The phone says what the server would: the sentences offline.js shows before queueing a
finding with no signal are the server's own refusals, in the user's language."""

from flask_babel import force_locale

from fieldapp.offline.ui_text import ui_text
from tests.factories import inspection_answers

JSON = {"Accept": "application/json"}


def refusal(client, url, **answers) -> dict:
    response = client.post(
        url, data=inspection_answers(**answers), headers=JSON, content_type="multipart/form-data"
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    return response.get_json()


def test_the_phone_refuses_a_finding_without_photo_with_the_servers_words(
    app, client, login, make_venue
):
    venue = make_venue()
    login()
    body = refusal(client, f"/venues/{venue.id}/inspections", photos=None)
    with app.test_request_context(), force_locale("vi"):
        text = ui_text()
    assert body["errors"]["photos"] == [text["photo_required"]]
    assert body["message"] == text["answers_need_fixing"]
    assert text["photo_required"].startswith("Chụp ít nhất một ảnh")


def test_the_phone_refuses_a_correction_removing_every_photo_with_the_servers_words(
    app, client, login, make_venue, record_finding
):
    venue = make_venue()
    login()
    finding = record_finding(venue)
    [photo] = finding.photos
    response = client.post(
        f"/inspections/{finding.id}/edit",
        data=inspection_answers(uuid=finding.uuid, photos=None, remove_photo=str(photo.id)),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    with app.test_request_context(), force_locale("vi"):
        text = ui_text()
    assert text["keep_one_photo"] in response.get_data(as_text=True)


def test_the_outbox_is_told_a_correction_must_keep_a_photo(
    app, client, login, make_venue, record_finding
):
    # The phone's (JSON) answer names the photo's error, as the page does.
    venue = make_venue()
    login()
    finding = record_finding(venue)
    [photo] = finding.photos
    body = refusal(
        client,
        f"/inspections/{finding.id}/edit",
        uuid=finding.uuid,
        photos=None,
        remove_photo=str(photo.id),
    )
    with app.test_request_context(), force_locale("vi"):
        text = ui_text()
    assert body["errors"]["photos"] == [text["keep_one_photo"]]

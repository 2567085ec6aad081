"""The correction form of a returned finding shows the photos the finding keeps, as
thumbnails through the photo route, not "no photo chosen" (issue 15)."""

import io
import re

from fieldapp.extensions import db
from fieldapp.reviews.service import review_version
from tests.factories import inspection_answers, jpeg_bytes


def test_the_correction_form_shows_the_kept_photos(
    client, login, make_user, make_venue, record_finding
):
    venue = make_venue()
    inspector = login()
    finding = record_finding(
        venue,
        photos=[
            (io.BytesIO(jpeg_bytes(color=(200, 0, 0))), "a.jpg"),
            (io.BytesIO(jpeg_bytes(color=(0, 200, 0))), "b.jpg"),
        ],
    )
    assert len(finding.photos) == 2
    login(make_user("mai", role="supervisor", display_name="Hà Thị Mai"))
    returned = client.post(
        f"/inspections/{finding.id}/return",
        data={"comment": "Chụp rõ hơn.", "version": review_version(finding)},
    )
    assert returned.status_code in (302, 303)
    login(inspector)
    form = client.get(f"/inspections/{finding.id}/edit").get_data(as_text=True)
    kept = form[
        form.index('id="kept-photos"') : form.index("</ul>", form.index('id="kept-photos"'))
    ]
    sources = re.findall(r'<img src="([^"]+)"', kept)
    assert sources == [f"/photos/{photo.path}" for photo in finding.photos]
    for source in sources:  # each thumbnail opens through the photo route's access check
        response = client.get(source)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "Giữ nguyên 2 ảnh đã ghi" in form
    assert "Chưa chọn ảnh nào" not in form and 'data-empty-text="Chưa thêm ảnh mới."' in form
    # Correcting without a new photo keeps both.
    response = client.post(
        f"/inspections/{finding.id}/edit",
        data=inspection_answers(uuid=finding.uuid, photos=None),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    db.session.refresh(finding)
    assert len(finding.photos) == 2


def test_a_new_finding_form_has_no_kept_photos(client, login, make_venue):
    login()
    venue = make_venue()
    form = client.get(f"/venues/{venue.id}/inspections/new").get_data(as_text=True)
    assert 'id="kept-photos"' not in form and "Chưa chọn ảnh nào" in form

"""The correction form of a returned finding shows the photos the finding keeps, as
thumbnails through the photo route, not "no photo chosen" (issue 15)."""

import io
import json
import re

from sqlalchemy import select

from fieldapp import storage
from fieldapp.extensions import db
from fieldapp.models import AuditEntry
from fieldapp.reviews.service import review_version
from tests.factories import inspection_answers, jpeg_bytes


def _returned_with_two_photos(
    client,
    login,
    make_user,
    make_venue,
    record_finding,
    comment="Ảnh thứ hai chụp nhầm quán bên cạnh.",
):
    """A finding with two photos, returned by a supervisor; its inspector logged in."""
    venue = make_venue()
    inspector = login()
    finding = record_finding(
        venue,
        photos=[
            (io.BytesIO(jpeg_bytes(color=(200, 0, 0))), "a.jpg"),
            (io.BytesIO(jpeg_bytes(color=(0, 200, 0))), "b.jpg"),
        ],
    )
    login(make_user("mai", role="supervisor", display_name="Hà Thị Mai"))
    returned = client.post(
        f"/inspections/{finding.id}/return",
        data={"comment": comment, "version": review_version(finding)},
    )
    assert returned.status_code in (302, 303)
    login(inspector)
    return finding


def test_the_correction_form_shows_the_kept_photos(
    client, login, make_user, make_venue, record_finding
):
    finding = _returned_with_two_photos(
        client, login, make_user, make_venue, record_finding, comment="Chụp rõ hơn."
    )
    assert len(finding.photos) == 2
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


def test_a_correction_removes_a_recorded_photo(
    client, login, make_user, make_venue, record_finding
):
    """The inspector ticks "Xóa ảnh 2": the photo leaves the finding, its file is deleted (so
    it never comes back as a photo waiting to be attached), and the trail says 2 → 1."""
    finding = _returned_with_two_photos(client, login, make_user, make_venue, record_finding)
    kept, removed = finding.photos
    removed_path = removed.path
    form = client.get(f"/inspections/{finding.id}/edit").get_data(as_text=True)
    assert f'name="remove_photo" value="{removed.id}"' in form and "Xóa ảnh 2" in form
    response = client.post(
        f"/inspections/{finding.id}/edit",
        data={**inspection_answers(uuid=finding.uuid, photos=None), "remove_photo": removed.id},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert [photo.path for photo in finding.photos] == [kept.path]
    assert finding.review_state == "pending"
    assert not storage.area("photos").exists(removed_path)
    assert client.get(f"/photos/{removed_path}").status_code == 404
    assert client.get(f"/photos/{kept.path}").status_code == 200
    reopened = client.get(f"/inspections/{finding.id}/edit").get_data(as_text=True)
    assert "Đã nhận" not in reopened  # not offered again as waiting
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "inspection", AuditEntry.entity_id == finding.id)
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.action == "edit"
    assert json.loads(entry.changes)["photo_count"] == [2, 1]
    page = client.get(f"/inspections/{finding.id}").get_data(as_text=True)
    assert "Số ảnh" in page


def test_the_last_photo_is_removed_only_for_a_new_one(
    client, login, make_user, make_venue, record_finding
):
    """Removing every photo without a new one is refused (422, the ticks and answers kept,
    nothing removed); with a new photo it goes through."""
    finding = _returned_with_two_photos(client, login, make_user, make_venue, record_finding)
    ids = [photo.id for photo in finding.photos]
    paths = [photo.path for photo in finding.photos]
    refused = client.post(
        f"/inspections/{finding.id}/edit",
        data={
            **inspection_answers(uuid=finding.uuid, photos=None, notes="Đã nhắc chủ quán"),
            "remove_photo": [str(i) for i in ids],
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Giữ lại ít nhất một ảnh, hoặc chụp ảnh mới." in text
    assert "Đã nhắc chủ quán" in text
    for photo_id in ids:
        assert f'name="remove_photo" value="{photo_id}" checked' in text
    db.session.expire_all()
    assert [photo.path for photo in finding.photos] == paths
    assert all(storage.area("photos").exists(path) for path in paths)

    replaced = client.post(
        f"/inspections/{finding.id}/edit",
        data={
            **inspection_answers(
                uuid=finding.uuid, photos=(io.BytesIO(jpeg_bytes(color=(0, 0, 200))), "c.jpg")
            ),
            "remove_photo": [str(i) for i in ids],
        },
        content_type="multipart/form-data",
    )
    assert replaced.status_code == 303
    db.session.expire_all()
    assert len(finding.photos) == 1 and finding.photos[0].path not in paths
    assert not any(storage.area("photos").exists(path) for path in paths)


def test_a_photo_of_another_finding_is_not_removed(
    client, login, make_user, make_venue, record_finding
):
    """An id that is not one of this finding's photos is ignored."""
    finding = _returned_with_two_photos(client, login, make_user, make_venue, record_finding)
    other = record_finding(
        make_venue(name="Chợ Bản Hạ"),
        photos=[(io.BytesIO(jpeg_bytes(color=(90, 90, 90))), "x.jpg")],
    )
    response = client.post(
        f"/inspections/{finding.id}/edit",
        data={
            **inspection_answers(uuid=finding.uuid, photos=None),
            "remove_photo": [str(other.photos[0].id), "not-a-number"],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert len(finding.photos) == 2 and len(other.photos) == 1
    assert storage.area("photos").exists(other.photos[0].path)

"""The phone keeps to the server's photo limits (FIELDAPP_MAX_PHOTOS, FIELDAPP_PHOTO_MAX_SIDE)."""

import io

from PIL import Image
from playwright.sync_api import expect

from tests.browser.phone import log_in


def photo(color, name) -> dict:
    """A photo as the camera gives it, 2400 × 1800."""
    out = io.BytesIO()
    Image.new("RGB", (2400, 1800), color).save(out, "JPEG", quality=90)
    return {"name": name, "mimeType": "image/jpeg", "buffer": out.getvalue()}


def test_the_phone_takes_its_photo_limits_from_the_server(phone_without_worker, live_app):
    live_app.config.update(MAX_PHOTOS=2, PHOTO_MAX_SIDE=1200)
    page = phone_without_worker
    log_in(page)
    page.goto("/venues/1/inspections/new")
    page.get_by_label("Ảnh mã QR niêm yết và lối vào").set_input_files(
        [
            photo(color=(200, 0, 0), name="a.jpg"),
            photo(color=(0, 200, 0), name="b.jpg"),
            photo(color=(0, 0, 200), name="c.jpg"),
        ]
    )
    expect(page.locator("[data-photo-count]")).to_have_text("Đã chọn 2 ảnh")
    previews = page.locator("[data-photo-previews] img")
    expect(previews).to_have_count(2)
    # Taken at 2400 × 1800, kept on the phone at the server's 1200 px.
    size = previews.first.evaluate(
        "img => img.decode().then(() => [img.naturalWidth, img.naturalHeight])"
    )
    assert size == [1200, 900]

"""The citizens' inbox at phone size and at full width: the longest problem label reads in
full, in a row and in the problem filter, the row's layout kept."""

from sqlalchemy import select

from fieldapp.citizens.intake import receive_report
from fieldapp.extensions import db
from fieldapp.models import Venue
from tests.browser.phone import assert_fits_phone, log_in, screenshot

LONGEST = "Mã không quét được hoặc là mã của địa điểm khác"
# Every box of the inbox's rows and of the problem filter whose text does not fit it (cut,
# or hidden past its edge), and any box that reaches past its row's or filter's edge.
CLIPPED = """() => {
  const cut = [];
  for (const outer of document.querySelectorAll('#report-rows .list-link, #report-problem')) {
    const edge = outer.getBoundingClientRect();
    for (const el of [outer, ...outer.querySelectorAll('*')]) {
      const style = getComputedStyle(el);
      if (el.tagName === 'SELECT') {  // a select cuts its chosen option's text silently
        const probe = document.createElement('span');
        probe.style.font = style.font;
        probe.style.whiteSpace = 'pre';
        probe.textContent = el.options[el.selectedIndex].text;
        document.body.append(probe);
        const needed = probe.getBoundingClientRect().width;
        probe.remove();
        const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
        const room = el.clientWidth - padding - 16;  // 16: the arrow
        if (needed > room) cut.push('select: ' + probe.textContent);
        continue;
      }
      if (style.display === 'inline' || el.tagName === 'OPTION') continue;
      const box = el.getBoundingClientRect();
      if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1
          || box.left < edge.left - 1 || box.right > edge.right + 1) {
        cut.push(el.className || el.id || el.tagName);
      }
    }
  }
  return cut;
}"""


def test_the_longest_problem_label_reads_in_full(phone_without_worker, live_app, add_user):
    add_user("supervisor", "supervisor")
    with live_app.app_context():
        venue = db.session.scalar(select(Venue).where(Venue.code == "QS-SH-0001"))
        receive_report(
            commune=venue.commune, venue=venue, problem="qr_not_working", channel="national"
        )
        db.session.commit()
    page = phone_without_worker
    log_in(page, "supervisor")
    page.goto("/citizen-reports?problem=qr_not_working")
    row = page.locator("#report-rows li").first
    meta = row.locator(".list-meta").first
    assert LONGEST in meta.inner_text()
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 740})
        screenshot(page, f"walk-fixes2-inbox-{width}")
        assert page.evaluate(CLIPPED) == [], width
        chosen = page.locator("#report-problem label.choice").filter(has_text=LONGEST)
        assert chosen.locator("input").is_checked()  # the open filter says what it is
        assert chosen.inner_text().strip() == LONGEST
        # The row's lines stay one under the other, inside the row.
        title, lines = row.locator(".list-title").bounding_box(), meta.bounding_box()
        row_box = row.bounding_box()
        assert lines["y"] >= title["y"] + title["height"] - 1
        assert row_box["x"] <= lines["x"] and lines["x"] + lines["width"] <= (
            row_box["x"] + row_box["width"] + 1
        )
    page.set_viewport_size({"width": 360, "height": 740})
    assert_fits_phone(page)
    # Choosing another problem filters in place.
    page.locator("#report-problem label.choice").filter(has_text="Không niêm yết mã QR").click()
    page.wait_for_url("**problem=no_qr**")
    page.locator("#report-empty").wait_for()

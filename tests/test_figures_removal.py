"""Removing a commune's typed figures asks first, saying what goes (the commune, the date,
its figures), with Confirm and "No, go back"; going back keeps every line the user typed."""

from datetime import date

import lxml.html
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AuditEntry, CommuneFigures
from fieldapp.reports.figures import TypedFigures, removal_key
from tests.factories import commune_named

DAY = date(2021, 11, 5)


def url(district) -> str:
    return f"/reports/{district.id}/{DAY.isoformat()}/figures"


def stored() -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.scalars(select(CommuneFigures))
    return {row.commune.name: row.scans for row in rows}


def removals() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "figures_removed")
    )


def setup_figures(client, district):
    son_ha, son_lu, trung_xuan = (
        commune_named(district, name) for name in ("Sơn Hà", "Sơn Lư", "Trung Xuân")
    )
    data = {}
    for commune, scans in ((son_ha, 1000), (son_lu, 2000)):
        data |= {f"venues_with_qr-{commune.id}": "10", f"scans-{commune.id}": str(scans)}
    assert client.post(url(district), data=data).status_code == 303
    return son_ha, son_lu, trung_xuan


def test_the_key_names_the_communes_in_order(quan_son):
    son_ha, son_lu = commune_named(quan_son, "Sơn Hà"), commune_named(quan_son, "Sơn Lư")
    rows = [CommuneFigures(commune_id=i) for i in sorted((son_lu.id, son_ha.id), reverse=True)]
    assert (
        removal_key(TypedFigures(cleared=rows))
        == f"{min(son_ha.id, son_lu.id)},{max(son_ha.id, son_lu.id)}"
    )
    assert removal_key(TypedFigures()) == ""


def test_ticking_remove_asks_first_and_says_what_goes(client, login, make_user, quan_son):
    login(make_user("huyen", role="supervisor"))
    son_ha, _, trung_xuan = setup_figures(client, quan_son)
    typed = {
        f"venues_with_qr-{son_ha.id}": "10",
        f"scans-{son_ha.id}": "1.000",  # as the form shows it
        f"venues_with_qr-{trung_xuan.id}": "7",  # another line typed meanwhile
        f"scans-{trung_xuan.id}": "321",
        f"clear-{son_ha.id}": "1",
    }
    asked = client.post(url(quan_son), data=typed)
    assert asked.status_code == 200
    page = lxml.html.fromstring(asked.get_data(as_text=True))
    assert stored() == {"Sơn Hà": 1000, "Sơn Lư": 2000} and removals() == 0  # nothing yet
    (form,) = page.xpath('//form[@id="figures-removal"]')
    assert form.get("data-communes") == str(son_ha.id)
    listed = form.xpath(".//li[@data-commune]")
    assert [li.get("data-commune") for li in listed] == [str(son_ha.id)]
    text = listed[0].text_content()
    assert "Sơn Hà" in text and "05/11/2021" in text and "1.000" in text
    assert "Số liệu ngày 05/11/2021 của các đơn vị cấp xã sau sẽ bị xóa" in form.text_content()
    assert "1 đơn vị cấp xã khác" in form.text_content()  # Trung Xuân's line, saved with it
    hidden = {i.get("name"): i.get("value") for i in form.xpath('.//input[@type="hidden"]')}
    assert hidden[f"scans-{trung_xuan.id}"] == "321" and hidden[f"clear-{son_ha.id}"] == "1"
    assert form.xpath('.//button[@id="confirm-removal"]')[0].get("value") == str(son_ha.id)
    assert form.xpath('.//button[@id="cancel-removal"]')

    # "No, go back": the form as typed, nothing ticked, nothing saved or removed.
    back = client.post(url(quan_son), data={**hidden, "cancel_removal": "1"})
    assert back.status_code == 200
    form_page = lxml.html.fromstring(back.get_data(as_text=True))
    assert form_page.xpath('//*[@id="removal-cancelled"]')
    assert form_page.xpath(f'//input[@name="scans-{trung_xuan.id}"]/@value') == ["321"]
    assert form_page.xpath(f'//input[@name="clear-{son_ha.id}"]/@checked') == []
    assert stored() == {"Sơn Hà": 1000, "Sơn Lư": 2000} and removals() == 0

    # Confirmed: Sơn Hà's figures removed, Trung Xuân's saved, in one go.
    done = client.post(url(quan_son), data={**hidden, "confirm_removal": str(son_ha.id)})
    assert done.status_code == 303
    assert stored() == {"Sơn Lư": 2000, "Trung Xuân": 321} and removals() == 1


def test_a_box_ticked_after_the_confirmation_asks_again(client, login, make_user, quan_son):
    login(make_user("huyen", role="supervisor"))
    son_ha, son_lu, _ = setup_figures(client, quan_son)
    both = {f"clear-{son_ha.id}": "1", f"clear-{son_lu.id}": "1"}
    again = client.post(url(quan_son), data={**both, "confirm_removal": str(son_ha.id)})
    assert again.status_code == 200 and 'id="figures-removal"' in again.get_data(as_text=True)
    assert stored() == {"Sơn Hà": 1000, "Sơn Lư": 2000}


def test_errors_come_before_the_confirmation(client, login, make_user, quan_son):
    login(make_user("huyen", role="supervisor"))
    son_ha, _, trung_xuan = setup_figures(client, quan_son)
    bad = {f"clear-{son_ha.id}": "1", f"scans-{trung_xuan.id}": "abc"}
    response = client.post(url(quan_son), data=bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="figures-removal"' not in html and 'value="abc"' in html
    assert stored() == {"Sơn Hà": 1000, "Sơn Lư": 2000}


def test_the_confirmation_in_english(client, login, make_user, quan_son):
    login(make_user("huyen", role="supervisor", locale="en"))
    son_ha, _, _ = setup_figures(client, quan_son)
    html = client.post(url(quan_son), data={f"clear-{son_ha.id}": "1"}).get_data(as_text=True)
    assert "These communes' figures for 05/11/2021 will be removed:" in html
    assert "Yes, remove and save" in html and "1,000" in html


def test_back_from_the_confirmation_shows_the_form_as_typed(client, login, make_user, quan_son):
    """The phone's Back from the confirmation opens the form again (a GET): it shows what
    was typed and ticked, once, saying nothing is saved; the stored figures are unchanged."""
    login(make_user("huyen", role="supervisor"))
    son_ha, son_lu, trung_xuan = setup_figures(client, quan_son)
    typed = {
        f"venues_with_qr-{son_ha.id}": "10",
        f"scans-{son_ha.id}": "8800",  # changed
        f"clear-{son_lu.id}": "1",
    }
    assert 'id="figures-removal"' in client.post(url(quan_son), data=typed).get_data(as_text=True)

    back = lxml.html.fromstring(client.get(url(quan_son)).get_data(as_text=True))
    assert back.xpath('//*[@id="figures-restored"]')
    assert back.xpath(f'//input[@name="scans-{son_ha.id}"]/@value') == ["8800"]
    assert back.xpath(f'//input[@name="clear-{son_lu.id}"]/@checked') != []
    assert back.xpath(f'//input[@name="scans-{trung_xuan.id}"]/@value') == [""]
    assert stored() == {"Sơn Hà": 1000, "Sơn Lư": 2000} and removals() == 0

    # Once: opened again, the form shows the stored figures.
    again = lxml.html.fromstring(client.get(url(quan_son)).get_data(as_text=True))
    assert not again.xpath('//*[@id="figures-restored"]')
    assert again.xpath(f'//input[@name="scans-{son_ha.id}"]/@value') == ["1000"]
    assert again.xpath(f'//input[@name="clear-{son_lu.id}"]/@checked') == []


def test_what_was_typed_comes_back_only_on_its_own_form(client, login, make_user, quan_son):
    login(make_user("huyen", role="supervisor"))
    son_ha, _, _ = setup_figures(client, quan_son)
    assert client.post(url(quan_son), data={f"clear-{son_ha.id}": "1"}).status_code == 200  # asks
    other = client.get(f"/reports/{quan_son.id}/2021-11-04/figures").get_data(as_text=True)
    assert 'id="figures-restored"' not in other
    # Confirmed meanwhile: nothing waits any more.
    confirmed = {f"clear-{son_ha.id}": "1", "confirm_removal": str(son_ha.id)}
    assert client.post(url(quan_son), data=confirmed).status_code == 303
    assert 'id="figures-restored"' not in client.get(url(quan_son)).get_data(as_text=True)
    assert stored() == {"Sơn Lư": 2000}

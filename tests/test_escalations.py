"""The venues to escalate at any size: worst first over findings and citizens' reports
together, the office's page listing the worst ESCALATIONS_LISTED with how many there are
(fieldapp/inspections/offences.py)."""

import re

from fieldapp.citizens.intake import receive_report
from fieldapp.extensions import db
from fieldapp.inspections import offences
from fieldapp.inspections.offences import venues_to_escalate

FAILING = {"qr_posted": "missing", "checkin_method": "none", "actions": "reminder"}


def report(venue, times):
    for problem in ("no_qr", "other", "not_scanning")[:times]:
        receive_report(commune=venue.commune, venue=venue, problem=problem)
    db.session.commit()


def test_findings_and_reports_rank_together(
    app, client, login, make_user, make_venue, record_finding, quan_son, other_district
):
    app.config["ESCALATION_THRESHOLD"] = 3
    login()
    reported = make_venue("Quán cà phê Bản Mòng")  # 2 failed + 3 reports: the worst
    failing = make_venue("Chợ Sơn Hà")  # 4 failed
    below = make_venue("Cửa hàng Hà Linh")  # 2 failed: under the threshold
    elsewhere = make_venue("Chợ Chiềng Đông", commune=other_district.communes[0])
    for venue, times in ((reported, 2), (failing, 4), (below, 2)):
        for _ in range(times):
            record_finding(venue, **FAILING)
    record_finding(failing)  # compliant once: not counted
    report(reported, 3)
    report(elsewhere, 3)
    found = venues_to_escalate([quan_son.id], 3)
    assert [venue.name for venue, _o in found.rows] == ["Quán cà phê Bản Mòng", "Chợ Sơn Hà"]
    first, second = (o for _v, o in found.rows)
    assert (first.failed, first.reminded, first.reported) == (2, 2, 3)
    assert (second.failed, second.reminded, second.reported) == (4, 4, 0)
    assert found.total == 2


def test_the_page_lists_the_worst_and_says_how_many_there_are(
    app, client, login, make_user, make_venue, record_finding, monkeypatch
):
    app.config["ESCALATION_THRESHOLD"] = 2
    monkeypatch.setattr(offences, "ESCALATIONS_LISTED", 2)
    monkeypatch.setattr("fieldapp.reviews.routes.ESCALATIONS_LISTED", 2)
    login()
    for name, times in (("Chợ Sơn Hà", 4), ("Cửa hàng Hà Linh", 3), ("Quán Bản Mòng", 2)):
        venue = make_venue(name)
        for _ in range(times):
            record_finding(venue, **FAILING)
    login(make_user("supervisor", role="supervisor"))
    page = client.get("/escalations").get_data(as_text=True)
    listed = re.findall(r'<span class="list-title">([^<]+)</span>', page)
    assert listed == ["Chợ Sơn Hà", "Cửa hàng Hà Linh"]
    assert "3 địa điểm đã đến ngưỡng; danh sách dưới đây gồm 2 địa điểm vi phạm nhiều nhất." in page
    monkeypatch.setattr("fieldapp.reviews.routes.ESCALATIONS_LISTED", 3)
    page = client.get("/escalations").get_data(as_text=True)
    assert 'id="escalations-listed"' not in page
    assert len(re.findall(r'<span class="list-title">', page)) == 3


def test_a_national_supervisor_sees_every_district_s(
    app, client, login, make_user, make_venue, record_finding, quan_son, other_district
):
    app.config["ESCALATION_THRESHOLD"] = 2
    login()
    ours = make_venue("Chợ Sơn Hà")
    for _ in range(2):
        record_finding(ours, **FAILING)
    theirs = make_venue("Chợ Chiềng Đông", commune=other_district.communes[0])
    report(theirs, 2)
    found = venues_to_escalate([quan_son.id, other_district.id], 2)
    assert {venue.name for venue, _o in found.rows} == {"Chợ Sơn Hà", "Chợ Chiềng Đông"}
    assert found.total == 2
    assert [v.name for v, _o in venues_to_escalate([other_district.id], 2).rows] == [
        "Chợ Chiềng Đông"
    ]

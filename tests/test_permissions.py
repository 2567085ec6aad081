"""Who may do what: one row per URL of the app, checked against the app's URL map.

This table is the written permission rule. A new route fails `test_every_route_is_in_the_table`
until it is added here with the roles that may use it and what a user of another district gets.

Columns: method, URL rule (as Flask spells it), the URL to try (with the ids of a Quan Sơn
record), who may use it, and what a user of another district gets:
- NOT_FOUND: the record is not theirs, so it does not exist for them (404);
- EMPTY: a list or form of their own district, in which Quan Sơn's venue never appears;
- ANYONE: a page with no district data (log-in, manifest, offline page...).
"""

from dataclasses import dataclass
from datetime import date

import pytest

from fieldapp import storage
from fieldapp.citizens.intake import receive_report
from fieldapp.extensions import db
from fieldapp.models import (
    Assignment,
    CommuneFigures,
    Inspection,
    Poster,
    PosterBatch,
    PublicHoliday,
    User,
    VenueImport,
)
from fieldapp.models.user import Role, Scope
from fieldapp.posters.service import batch_key

ALL = frozenset(role.value for role in Role)
INSPECTING = frozenset({Role.INSPECTOR.value, Role.SUPERVISOR.value})
OFFICE = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})
SUPERVISOR = frozenset({Role.SUPERVISOR.value})
INSPECTOR = frozenset({Role.INSPECTOR.value})
ADMIN = frozenset({Role.ADMIN.value})
PUBLIC = None  # no log-in needed

NOT_FOUND, EMPTY, ANYONE = "404", "empty", "anyone"
DAY = "2021-11-05"
MONTH = "2021-11"
PROVINCE_WIDE = frozenset({Scope.PROVINCE.value, Scope.COUNTRY.value})
COUNTRY_WIDE = frozenset({Scope.COUNTRY.value})


@dataclass(frozen=True)
class Permission:
    method: str
    rule: str
    url: str
    allowed: frozenset | None
    other_district: str
    # Only the user who recorded the record may use it; other users of allowed roles get 403.
    only_own: bool = False
    # The scopes beyond a district whose supervisors may use a route that no district user
    # may (a province's report, the national summary); see test_a_national_supervisor.
    wide: frozenset = frozenset()
    # Only a district's own users act on it: province and national supervisors, who see the
    # record, are refused (403), as a citizen's report is theirs to read, not to handle.
    district_scope_only: bool = False

    def __str__(self):
        return f"{self.method} {self.rule}"


PERMISSIONS = [
    # Logging in and the phone's shell: no district data.
    Permission("GET", "/login", "/login", PUBLIC, ANYONE),
    Permission("POST", "/login", "/login", PUBLIC, ANYONE),
    Permission("POST", "/logout", "/logout", ALL, ANYONE),
    Permission("POST", "/account/language", "/account/language", PUBLIC, ANYONE),
    Permission("GET", "/account/csrf-token", "/account/csrf-token", ALL, ANYONE),
    Permission("GET", "/account/password", "/account/password", ALL, ANYONE),
    Permission("POST", "/account/password", "/account/password", ALL, ANYONE),
    # Accounts: the admin's, for the users of their district; another district's are not found.
    Permission("GET", "/users", "/users", ADMIN, EMPTY),
    # The audit trail: the admin's, of their district(s) only.
    Permission("GET", "/audit", "/audit", ADMIN, EMPTY),
    Permission("GET", "/users/new", "/users/new", ADMIN, EMPTY),
    Permission("POST", "/users/new", "/users/new", ADMIN, EMPTY),
    Permission("GET", "/users/<int:user_id>", "/users/{user}", ADMIN, NOT_FOUND),
    Permission("POST", "/users/<int:user_id>", "/users/{user}", ADMIN, NOT_FOUND),
    Permission("POST", "/users/<int:user_id>/disable", "/users/{user}/disable", ADMIN, NOT_FOUND),
    Permission("POST", "/users/<int:user_id>/enable", "/users/{user}/enable", ADMIN, NOT_FOUND),
    Permission(
        "POST",
        "/users/<int:user_id>/reset-password",
        "/users/{user}/reset-password",
        ADMIN,
        NOT_FOUND,
    ),
    # Citizens' reports, public side: the report forms (general, and a venue's from its
    # poster), the tracking page and the code typed back; public facts only.
    Permission("GET", "/phan-anh", "/phan-anh", PUBLIC, ANYONE),
    Permission("POST", "/phan-anh", "/phan-anh", PUBLIC, ANYONE),
    Permission("GET", "/p/<code>", "/p/{venue_code}", PUBLIC, ANYONE),
    Permission("POST", "/p/<code>", "/p/{venue_code}", PUBLIC, ANYONE),
    Permission("GET", "/phan-anh/tra-cuu", "/phan-anh/tra-cuu", PUBLIC, ANYONE),
    Permission("GET", "/phan-anh/<code>", "/phan-anh/{tracking}", PUBLIC, ANYONE),
    # The office enters telephone, hotline and national reports: its own communes only.
    Permission("GET", "/citizen-reports/new", "/citizen-reports/new", OFFICE, EMPTY),
    Permission("POST", "/citizen-reports/new", "/citizen-reports/new", OFFICE, EMPTY),
    Permission("GET", "/manifest.webmanifest", "/manifest.webmanifest", PUBLIC, ANYONE),
    Permission("GET", "/sw.js", "/sw.js", PUBLIC, ANYONE),
    Permission("GET", "/offline", "/offline", PUBLIC, ANYONE),
    # For nginx, a load balancer or a monitor: ok or unavailable, nothing else.
    Permission("GET", "/healthz", "/healthz", PUBLIC, ANYONE),
    Permission("GET", "/outbox", "/outbox", ALL, ANYONE),
    Permission("GET", "/", "/", ALL, EMPTY),
    # The home page's lists in full: an inspector's assignments; the venues due.
    Permission("GET", "/home/assignments", "/home/assignments", INSPECTOR, EMPTY),
    Permission("GET", "/home/due", "/home/due", ALL, EMPTY),
    # Venues.
    Permission("GET", "/venues", "/venues?q=cho", ALL, EMPTY),
    Permission("GET", "/venues/new", "/venues/new", ALL, EMPTY),
    Permission("POST", "/venues/new", "/venues/new", ALL, EMPTY),
    Permission("GET", "/venues/<int:venue_id>", "/venues/{venue}", ALL, NOT_FOUND),
    Permission("GET", "/venues/<int:venue_id>/history", "/venues/{venue}/history", ALL, NOT_FOUND),
    Permission("GET", "/venues/duplicates", "/venues/duplicates", ADMIN, EMPTY),
    # The merge's confirmation (GET) and the merge once confirmed (POST).
    Permission("GET", "/venues/duplicates/merge", "/venues/duplicates/merge", ADMIN, EMPTY),
    Permission("POST", "/venues/duplicates/merge", "/venues/duplicates/merge", ADMIN, EMPTY),
    Permission("POST", "/venues/duplicates/dismiss", "/venues/duplicates/dismiss", ADMIN, EMPTY),
    # A venue added on the spot: the confirmation; an admin's edit, closing and reopening.
    Permission(
        "GET", "/venues/<int:venue_id>/registered", "/venues/{venue}/registered", ALL, NOT_FOUND
    ),
    Permission("GET", "/venues/<int:venue_id>/edit", "/venues/{venue}/edit", ADMIN, NOT_FOUND),
    Permission("POST", "/venues/<int:venue_id>/edit", "/venues/{venue}/edit", ADMIN, NOT_FOUND),
    Permission("GET", "/venues/<int:venue_id>/close", "/venues/{venue}/close", ADMIN, NOT_FOUND),
    Permission("POST", "/venues/<int:venue_id>/close", "/venues/{venue}/close", ADMIN, NOT_FOUND),
    Permission("POST", "/venues/<int:venue_id>/reopen", "/venues/{venue}/reopen", ADMIN, NOT_FOUND),
    Permission("GET", "/venues/import", "/venues/import", ADMIN, EMPTY),
    Permission("POST", "/venues/import", "/venues/import", ADMIN, EMPTY),
    # Each import's sample file: of the user's district, or of one of theirs chosen; another
    # district's is not found.
    Permission(
        "GET",
        "/venues/import/sample",
        "/venues/import/sample?district={district}",
        ADMIN,
        NOT_FOUND,
    ),
    # A confirmed import (a job): its admins follow it; another district's is not found.
    Permission(
        "GET",
        "/venues/import/runs/<int:run_id>",
        "/venues/import/runs/{import_run}",
        ADMIN,
        NOT_FOUND,
    ),
    Permission("GET", "/map", "/map", ALL, EMPTY),
    Permission("GET", "/map/venues.json", "/map/venues.json", ALL, EMPTY),
    # Inspections: recording is for those who inspect; reading for everyone of the district.
    Permission(
        "GET",
        "/venues/<int:venue_id>/inspections/new",
        "/venues/{venue}/inspections/new",
        INSPECTING,
        NOT_FOUND,
    ),
    Permission(
        "POST",
        "/venues/<int:venue_id>/inspections/preview",
        "/venues/{venue}/inspections/preview",
        INSPECTING,
        NOT_FOUND,
    ),
    Permission(
        "POST",
        "/venues/<int:venue_id>/inspections",
        "/venues/{venue}/inspections",
        INSPECTING,
        NOT_FOUND,
    ),
    Permission("GET", "/inspections", "/inspections", ALL, EMPTY),
    Permission(
        "GET", "/inspections/<int:inspection_id>", "/inspections/{inspection}", ALL, NOT_FOUND
    ),
    Permission(
        "GET",
        "/inspections/<int:inspection_id>.pdf",
        "/inspections/{inspection}.pdf",
        ALL,
        NOT_FOUND,
    ),
    Permission("GET", "/photos/<uuid>/<name>", "/photos/{photo}", ALL, NOT_FOUND),
    # Correcting a returned finding: only its own inspector, whose finding it is (see
    # test_reviews); everyone else of the district is refused.
    Permission(
        "GET",
        "/inspections/<int:inspection_id>/edit",
        "/inspections/{inspection}/edit",
        INSPECTING,
        NOT_FOUND,
        only_own=True,
    ),
    Permission(
        "POST",
        "/inspections/<int:inspection_id>/edit",
        "/inspections/{inspection}/edit",
        INSPECTING,
        NOT_FOUND,
        only_own=True,
    ),
    Permission(
        "GET",
        "/inspections/<int:inspection_id>/approve",
        "/inspections/{inspection}/approve",
        SUPERVISOR,
        NOT_FOUND,
    ),
    Permission(
        "POST",
        "/inspections/<int:inspection_id>/approve",
        "/inspections/{inspection}/approve",
        SUPERVISOR,
        NOT_FOUND,
    ),
    Permission(
        "POST",
        "/inspections/<int:inspection_id>/return",
        "/inspections/{inspection}/return",
        SUPERVISOR,
        NOT_FOUND,
    ),
    Permission("GET", "/escalations", "/escalations", OFFICE, EMPTY),
    # Citizens' reports, the office's side: the district's office reads them (province and
    # national supervisors too, read-only); its supervisors handle them.
    Permission("GET", "/citizen-reports", "/citizen-reports", OFFICE, EMPTY),
    Permission(
        "GET",
        "/citizen-reports/<int:report_id>",
        "/citizen-reports/{citizen_report}",
        OFFICE,
        NOT_FOUND,
    ),
    Permission(
        "GET",
        "/citizen-reports/<int:report_id>/photo",
        "/citizen-reports/{citizen_report}/photo",
        OFFICE,
        NOT_FOUND,
    ),
    Permission(
        "GET",
        "/citizen-reports/<int:report_id>/joins/<int:join_id>/photo",
        "/citizen-reports/{citizen_report}/joins/{citizen_report_join}/photo",
        OFFICE,
        NOT_FOUND,
    ),
    *(
        Permission(
            method,
            f"/citizen-reports/<int:report_id>/{action}",
            f"/citizen-reports/{{citizen_report}}/{action}",
            SUPERVISOR,
            NOT_FOUND,
            district_scope_only=True,
        )
        for method, action in (
            ("GET", "assign"),
            ("POST", "assign"),
            ("POST", "venue"),
            ("GET", "resolve"),
            ("POST", "resolve"),
            ("GET", "reject"),
            ("POST", "reject"),
        )
    ),
    # The public holidays a report's deadline skips: national data (every district's reports
    # are due by it), read by admins, changed only by a national account (User.keeps_holidays).
    Permission("GET", "/holidays", "/holidays", ADMIN, ANYONE, wide=COUNTRY_WIDE),
    Permission("POST", "/holidays", "/holidays", frozenset(), ANYONE, wide=COUNTRY_WIDE),
    Permission(
        "GET",
        "/holidays/remove",
        "/holidays/remove?day=2026-01-01",
        frozenset(),
        ANYONE,
        wide=COUNTRY_WIDE,
    ),
    Permission(
        "POST", "/holidays/remove", "/holidays/remove", frozenset(), ANYONE, wide=COUNTRY_WIDE
    ),
    Permission("POST", "/holidays/seed", "/holidays/seed", frozenset(), ANYONE, wide=COUNTRY_WIDE),
    Permission("GET", "/assignments", "/assignments", SUPERVISOR, EMPTY),
    Permission("POST", "/assignments", "/assignments", SUPERVISOR, EMPTY),
    # The preview of the venues ticked in the list, and cancelling an open assignment.
    Permission(
        "GET", "/assignments/preview", "/assignments/preview?venue={venue}", SUPERVISOR, NOT_FOUND
    ),
    Permission(
        "POST",
        "/assignments/<int:assignment_id>/cancel",
        "/assignments/{assignment}/cancel",
        SUPERVISOR,
        NOT_FOUND,
    ),
    # Posters.
    Permission(
        "GET", "/venues/<int:venue_id>/poster.pdf", "/venues/{venue}/poster.pdf", ALL, NOT_FOUND
    ),
    Permission(
        "GET", "/venues/<int:venue_id>/poster.png", "/venues/{venue}/poster.png", ALL, NOT_FOUND
    ),
    Permission(
        "POST", "/venues/<int:venue_id>/payload", "/venues/{venue}/payload", INSPECTING, NOT_FOUND
    ),
    Permission("POST", "/venues/<int:venue_id>/scan", "/venues/{venue}/scan", ALL, NOT_FOUND),
    Permission("GET", "/scan", "/scan", ALL, EMPTY),
    Permission("POST", "/scan", "/scan", ALL, EMPTY),
    Permission(
        "POST",
        "/inspections/<int:inspection_id>/replacement",
        "/inspections/{inspection}/replacement",
        INSPECTING,
        NOT_FOUND,
    ),
    Permission("GET", "/posters/<int:poster_id>.pdf", "/posters/{poster}.pdf", ALL, NOT_FOUND),
    Permission("GET", "/posters/queue", "/posters/queue", OFFICE, EMPTY),
    Permission("POST", "/posters/queue/print", "/posters/queue/print", OFFICE, EMPTY),
    Permission(
        "POST",
        "/posters/<int:poster_id>/delivered",
        "/posters/{poster}/delivered",
        OFFICE,
        NOT_FOUND,
    ),
    Permission(
        "POST",
        "/posters/<int:poster_id>/delivered/undo",
        "/posters/{poster}/delivered/undo",
        OFFICE,
        NOT_FOUND,
    ),
    Permission("POST", "/posters/batches", "/posters/batches", OFFICE, EMPTY),
    Permission(
        "GET", "/posters/batches/<int:batch_id>", "/posters/batches/{batch}", OFFICE, NOT_FOUND
    ),
    Permission(
        "POST",
        "/posters/batches/<int:batch_id>/retry",
        "/posters/batches/{batch}/retry",
        OFFICE,
        NOT_FOUND,
    ),
    Permission(
        "GET",
        "/posters/batches/<int:batch_id>/download",
        "/posters/batches/{batch}/download",
        OFFICE,
        NOT_FOUND,
    ),
    # The weekly report: the office's. Another district's report is not found.
    Permission("GET", "/reports", "/reports", OFFICE, EMPTY),
    Permission("GET", "/reports/import", "/reports/import", OFFICE, EMPTY),
    Permission("POST", "/reports/import", "/reports/import", OFFICE, EMPTY),
    Permission(
        "GET",
        "/reports/import/sample",
        "/reports/import/sample?district={district}",
        OFFICE,
        NOT_FOUND,
    ),
    # Citizens' reports from the national system: the office imports into its own district.
    Permission("GET", "/citizen-reports/import", "/citizen-reports/import", OFFICE, EMPTY),
    Permission("POST", "/citizen-reports/import", "/citizen-reports/import", OFFICE, EMPTY),
    Permission(
        "GET",
        "/citizen-reports/import/sample",
        "/citizen-reports/import/sample?district={district}",
        OFFICE,
        NOT_FOUND,
    ),
    Permission("GET", "/reports/figures", "/reports/figures", OFFICE, EMPTY),
    Permission(
        "GET",
        "/reports/<int:district_id>/<isodate:day>/figures",
        "/reports/{district}/" + DAY + "/figures",
        OFFICE,
        NOT_FOUND,
    ),
    Permission(
        "POST",
        "/reports/<int:district_id>/<isodate:day>/figures",
        "/reports/{district}/" + DAY + "/figures",
        OFFICE,
        NOT_FOUND,
    ),
    Permission(
        "GET",
        "/reports/<int:district_id>/<isodate:day>",
        "/reports/{district}/" + DAY,
        OFFICE,
        NOT_FOUND,
    ),
    Permission(
        "GET",
        "/reports/<int:district_id>/<isodate:day>.<any(csv, xlsx, pdf, docx):fmt>",
        "/reports/{district}/" + DAY + ".csv",
        OFFICE,
        NOT_FOUND,
    ),
    Permission(
        "GET",
        "/reports/<int:district_id>/month/<yearmonth:month>",
        "/reports/{district}/month/" + MONTH,
        OFFICE,
        NOT_FOUND,
    ),
    Permission(
        "GET",
        "/reports/<int:district_id>/month/<yearmonth:month>.<any(csv, xlsx, pdf, docx):fmt>",
        "/reports/{district}/month/" + MONTH + ".xlsx",
        OFFICE,
        NOT_FOUND,
    ),
    # The province's report is for province (and national) supervisors (test_reports and
    # test_national_report check the scope): no district user gets past the guard.
    Permission(
        "GET",
        "/reports/province/<isodate:day>",
        "/reports/province/" + DAY,
        frozenset(),
        EMPTY,
        wide=PROVINCE_WIDE,
    ),
    Permission(
        "GET",
        "/reports/province/<isodate:day>.<any(csv, xlsx, pdf, docx):fmt>",
        "/reports/province/" + DAY + ".csv",
        frozenset(),
        EMPTY,
        wide=PROVINCE_WIDE,
    ),
    Permission(
        "GET",
        "/reports/province/<int:province_id>/<isodate:day>",
        "/reports/province/{province}/" + DAY,
        frozenset(),
        NOT_FOUND,
        wide=PROVINCE_WIDE,
    ),
    Permission(
        "GET",
        "/reports/province/<int:province_id>/<isodate:day>.<any(csv, xlsx, pdf, docx):fmt>",
        "/reports/province/{province}/" + DAY + ".pdf",
        frozenset(),
        NOT_FOUND,
        wide=PROVINCE_WIDE,
    ),
    Permission(
        "GET",
        "/reports/province/<int:province_id>/month/<yearmonth:month>",
        "/reports/province/{province}/month/" + MONTH,
        frozenset(),
        NOT_FOUND,
        wide=PROVINCE_WIDE,
    ),
    Permission(
        "GET",
        "/reports/province/<int:province_id>/month/<yearmonth:month>"
        ".<any(csv, xlsx, pdf, docx):fmt>",
        "/reports/province/{province}/month/" + MONTH + ".csv",
        frozenset(),
        NOT_FOUND,
        wide=PROVINCE_WIDE,
    ),
    # A province's report deadlines (who sent the week's letter) and its report weekday and
    # time: its own province supervisors and admins, any for a national supervisor.
    Permission(
        "GET",
        "/reports/province/<int:province_id>/deadlines",
        "/reports/province/{province}/deadlines",
        frozenset(),
        NOT_FOUND,
        wide=PROVINCE_WIDE,
    ),
    Permission(
        "GET",
        "/reports/province/<int:province_id>/deadlines/settings",
        "/reports/province/{province}/deadlines/settings",
        frozenset(),
        NOT_FOUND,
        wide=PROVINCE_WIDE,
    ),
    Permission(
        "POST",
        "/reports/province/<int:province_id>/deadlines/settings",
        "/reports/province/{province}/deadlines/settings",
        frozenset(),
        NOT_FOUND,
        wide=PROVINCE_WIDE,
    ),
    # The national summary: national supervisors only.
    Permission(
        "GET",
        "/reports/country/<isodate:day>",
        "/reports/country/" + DAY,
        frozenset(),
        EMPTY,
        wide=COUNTRY_WIDE,
    ),
    # The weekly letter: a district's template, and the letter of a report date with its
    # edits; for the district's office (and those who see it); another district's not found.
    Permission(
        "GET",
        "/letters/<int:district_id>/template",
        "/letters/{district}/template",
        OFFICE,
        NOT_FOUND,
    ),
    Permission(
        "POST",
        "/letters/<int:district_id>/template",
        "/letters/{district}/template",
        OFFICE,
        NOT_FOUND,
    ),
    Permission(
        "GET",
        "/letters/<int:district_id>/<isodate:day>",
        "/letters/{district}/" + DAY,
        OFFICE,
        NOT_FOUND,
    ),
    Permission(
        "POST",
        "/letters/<int:district_id>/<isodate:day>",
        "/letters/{district}/" + DAY,
        OFFICE,
        NOT_FOUND,
    ),
    Permission(
        "POST",
        "/letters/<int:district_id>/<isodate:day>/draft",
        "/letters/{district}/" + DAY + "/draft",
        OFFICE,
        NOT_FOUND,
    ),
    # The letter marked as sent, and undone: the district's own office only (a province's or
    # the country's supervisor reads whether it is sent, and may not mark it).
    Permission(
        "GET",
        "/letters/<int:district_id>/<isodate:day>/sent",
        "/letters/{district}/" + DAY + "/sent",
        OFFICE,
        NOT_FOUND,
    ),
    *(
        Permission(
            "POST",
            f"/letters/<int:district_id>/<isodate:day>/{path}",
            "/letters/{district}/" + DAY + f"/{path}",
            OFFICE,
            NOT_FOUND,
            district_scope_only=True,
        )
        for path in ("sent", "sent/undo")
    ),
    Permission(
        "GET",
        "/reports/country/<isodate:day>.<any(csv, xlsx, pdf, docx):fmt>",
        "/reports/country/" + DAY + ".docx",
        frozenset(),
        EMPTY,
        wide=COUNTRY_WIDE,
    ),
    Permission(
        "GET",
        "/reports/country/month/<yearmonth:month>",
        "/reports/country/month/" + MONTH,
        frozenset(),
        EMPTY,
        wide=COUNTRY_WIDE,
    ),
    Permission(
        "GET",
        "/reports/country/month/<yearmonth:month>.<any(csv, xlsx, pdf, docx):fmt>",
        "/reports/country/month/" + MONTH + ".pdf",
        frozenset(),
        EMPTY,
        wide=COUNTRY_WIDE,
    ),
]
BY_ROUTE = {(p.method, p.rule): p for p in PERMISSIONS}


def test_every_route_is_in_the_table(app):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert sorted(routes - BY_ROUTE.keys()) == [], "routes missing from PERMISSIONS"
    assert sorted(BY_ROUTE.keys() - routes) == [], "rows for routes that no longer exist"
    assert len(BY_ROUTE) == len(PERMISSIONS), "a route is in the table twice"


def test_guarded_views_say_the_same_as_the_table(app):
    """A view guarded by allowed_if("...") lets in exactly the roles the table names."""
    for rule in app.url_map.iter_rules():
        permission = getattr(app.view_functions[rule.endpoint], "permission", None)
        if permission is None:
            continue
        allowed = {role.value for role in Role if getattr(User(role=role.value), permission)}
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            row = BY_ROUTE[(method, rule.rule)]
            assert row.allowed == allowed, f"{row}: table {row.allowed}, view {permission}"


@pytest.fixture
def records(post_finding, app, client, login, make_user, make_venue, quan_son):
    """One record of each kind in Quan Sơn: a venue, its finding with a photo and a
    replacement poster, a poster batch, a venue registry import and a week's figures."""
    venue = make_venue("Chợ Sơn Hà")
    recorder = login(username="recorder")
    post_finding(venue, qr_posted="damaged")
    inspection = db.session.query(Inspection).one()
    client.post(f"/inspections/{inspection.id}/replacement", data={"print": "queue"})
    poster = db.session.query(Poster).one()
    batch = PosterBatch(
        district_id=quan_son.id,
        requested_by_id=recorder.id,
        state="done",
        total=1,
        done=1,
    )
    import_run = VenueImport(
        district_id=quan_son.id,
        requested_by_id=recorder.id,
        file_key="u1-token.csv",
        source="so-dia-diem.csv",
        state="done",
        created=1,
    )
    commune = quan_son.communes[0]
    assignment = Assignment(
        venue_id=venue.id,
        inspector_id=recorder.id,
        due_date=date(2099, 1, 1),
        created_by_id=recorder.id,
    )
    db.session.add_all(
        [
            assignment,
            batch,
            import_run,
            CommuneFigures(
                commune=commune, report_date=date(2021, 11, 5), venues_with_qr=3, scans=10
            ),
        ]
    )
    db.session.commit()
    storage.area("posters").put(batch_key(batch), b"%PDF-1.4 a finished batch")
    storage.area("photos").put("citizens/perm/photo.jpg", b"\xff\xd8\xff a photo")
    report, _joined = receive_report(
        commune=venue.commune, venue=venue, problem="no_qr", photo_path="citizens/perm/photo.jpg"
    )
    receive_report(
        commune=venue.commune, venue=venue, problem="no_qr", photo_path="citizens/perm/photo.jpg"
    )
    db.session.add(PublicHoliday(day=date(2026, 1, 1), name="Tết Dương lịch"))
    db.session.commit()
    login.logout()
    return {
        "venue": venue.id,
        "venue_code": venue.code,
        "tracking": report.tracking_code,
        "inspection": inspection.id,
        "photo": inspection.photos[0].path,
        "poster": poster.id,
        "batch": batch.id,
        "assignment": assignment.id,
        "citizen_report": report.id,
        "citizen_report_join": report.joins[0].id,
        "import_run": import_run.id,
        "district": quan_son.id,
        "province": quan_son.province_id,
        "recorder": recorder,
        "user": recorder.id,
    }


def _request(client, permission: Permission, records: dict):
    url = permission.url.format(**records)
    if permission.method == "GET":
        return client.get(url)
    return client.post(url, data={})


@pytest.mark.parametrize("permission", PERMISSIONS, ids=str)
def test_each_role_of_the_district(client, login, make_user, records, permission):
    """Allowed roles get past the guard (any answer but 401/403/404/500); others get 403.
    A record only its own user may use refuses everyone else, and lets its user in."""
    for role in sorted(ALL):
        login(make_user(f"{role}-1", role=role))
        status = _request(client, permission, records).status_code
        allowed = permission.allowed is PUBLIC or role in permission.allowed
        if allowed and not permission.only_own:
            assert status not in (401, 403, 404) and status < 500, (role, status)
        else:
            assert status == 403, (role, status)
    if permission.only_own:
        login(records["recorder"])
        status = _request(client, permission, records).status_code
        assert status not in (401, 403, 404) and status < 500, ("recorder", status)


@pytest.mark.parametrize("permission", [p for p in PERMISSIONS if p.allowed is not PUBLIC], ids=str)
def test_anonymous_is_sent_to_log_in(client, records, permission):
    response = _request(client, permission, records)
    assert response.status_code in (302, 401), response.status_code
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "permission", [p for p in PERMISSIONS if p.other_district != ANYONE], ids=str
)
def test_a_user_of_another_district(client, login, make_user, records, other_district, permission):
    """Another district's users, whatever their role, never reach Quan Sơn's records."""
    for role in sorted(ALL):
        login(make_user(f"yc-{role}", role=role, district=other_district))
        response = _request(client, permission, records)
        allowed = permission.allowed is PUBLIC or role in permission.allowed
        if not allowed:  # refused by the guard, or by the record not being theirs
            expected = (403, 404) if permission.other_district == NOT_FOUND else (403,)
            assert response.status_code in expected, (role, response.status_code)
        elif permission.other_district == NOT_FOUND:
            assert response.status_code == 404, (role, response.status_code)
        else:
            assert response.status_code < 500
            assert "Chợ Sơn Hà" not in response.get_data(as_text=True), role


@pytest.mark.parametrize("permission", PERMISSIONS, ids=str)
def test_a_national_supervisor(client, login, make_user, records, other_district, permission):
    """A national supervisor (whose own district is in another province) reaches every URL a
    supervisor may use, in Quan Sơn too, and the province and national reports; the
    admins' pages, another's finding to correct and the handling of citizens' reports (a
    district's own work) stay refused (403)."""
    login(make_user("quoc-gia", role="supervisor", district=other_district, scope="country"))
    status = _request(client, permission, records).status_code
    allowed = (
        permission.allowed is PUBLIC
        or Role.SUPERVISOR.value in permission.allowed
        or Scope.COUNTRY.value in permission.wide
    ) and not permission.district_scope_only
    if allowed and not permission.only_own:
        assert status not in (401, 403, 404) and status < 500, status
    else:
        assert status == 403, status


@pytest.mark.parametrize("permission", [p for p in PERMISSIONS if p.wide], ids=str)
def test_a_province_supervisor_of_another_province(
    client, login, make_user, records, other_district, permission
):
    """Sơn La's province supervisor: refused the national summary (403), and Thanh Hóa's
    report is not found (404); their own province's report opens."""
    login(make_user("son-la", role="supervisor", district=other_district, scope="province"))
    status = _request(client, permission, records).status_code
    if Scope.PROVINCE.value not in permission.wide:
        assert status == 403, status
    elif permission.other_district == NOT_FOUND:
        assert status == 404, status
        own = permission.url.replace("{province}", str(other_district.province_id))
        assert client.get(own.format(**records)).status_code == 200
    else:
        assert status == 200, status

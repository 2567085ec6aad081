"""The findings rollup the reports read: kept equal to a recount of the raw rows by every
write, in the same transaction, and rebuilt from scratch to the same cells."""

import contextlib
import random
import threading
import uuid
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from fieldapp import clock, create_app
from fieldapp.demo import seed_demo
from fieldapp.extensions import db
from fieldapp.inspections import service
from fieldapp.models import Commune, District, Inspection, Province, User, Venue
from fieldapp.models.rollup import LATEST
from fieldapp.posters.service import issue_poster
from fieldapp.reports import rollups
from fieldapp.reports.rollups import (
    engine_sql,
    findings_from_rollups,
    month_cells,
    rebuild_rollups,
    recount_findings,
    rollup_cells,
)
from fieldapp.reports.weekly import findings_by_commune
from fieldapp.reviews.service import approve, return_for_correction
from fieldapp.venues.duplicates import merge
from fieldapp.venues.importer import import_venues
from tests import servers
from tests.conftest import migrate
from tests.locks import waits_for_lock

# The test's days cross a month's end, so whole months read the month cells of venues whose
# findings run into the next month.
FIRST_DAY = date(2021, 10, 26)
DAYS = 12
NOWHERE = service.Position(None, None, None)
NO_GPS = service.GpsCheck(None, [])


def answers_for(rng: random.Random) -> dict:
    """Random answers of the kinds that change a count: visibility, staff, outcome,
    visitors (sometimes unknown)."""
    observed = rng.choice([None, 0, 5, 12, 30])
    scanned = None if observed is None or rng.random() < 0.2 else rng.randint(0, observed)
    return {
        "qr_posted": rng.choice(["visible", "visible", "hidden", "damaged", "missing"]),
        "qr_matches": "yes",
        "checkin_method": rng.choice(["visitors_scan", "both", "none"]),
        "staff_assigned": rng.random() < 0.6,
        "visitors_observed": observed,
        "visitors_scanned": scanned,
    }


def moment(rng: random.Random) -> datetime:
    """A moment of the test's days, often right at a Vietnamese midnight (naive UTC)."""
    day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    start = clock.day_start(day)
    return start + timedelta(
        seconds=rng.choice([0, 1, 86_399, rng.randrange(86_400), rng.randrange(86_400)])
    )


WHOLE_MONTHS = [
    (date(2021, 10, 1), date(2021, 10, 31)),
    (date(2021, 11, 1), date(2021, 11, 30)),
    (date(2021, 10, 1), date(2021, 11, 30)),
    (date(2021, 9, 1), date(2021, 10, 31)),
    (date(2021, 11, 1), date(2021, 12, 31)),
]


def random_periods(rng: random.Random, count: int):
    """Random spans of days, and whole months (which read the month cells)."""
    for _ in range(count):
        if rng.random() < 0.25:
            yield rng.choice(WHOLE_MONTHS)
            continue
        start = FIRST_DAY + timedelta(days=rng.randrange(-2, DAYS + 1))
        yield start, start + timedelta(days=rng.choice([0, 0, 1, 2, 6, 13, 30]))


def assert_month_cells_sum_the_day_cells() -> None:
    expected: dict = {}
    for (commune_id, day, next_day), amounts in rollup_cells().items():
        key = (commune_id, day.replace(day=1), next_day.replace(day=1))
        expected[key] = tuple(
            a + b for a, b in zip(expected.get(key, (0,) * 7), amounts, strict=True)
        )
    assert month_cells() == {key: sums for key, sums in expected.items() if any(sums)}


def assert_rollup_is_a_recount(commune_ids, rng: random.Random, periods: int = 25) -> None:
    for start, end in random_periods(rng, periods):
        assert findings_from_rollups(commune_ids, start, end) == recount_findings(
            commune_ids, start, end
        ), (start, end)


class Office:
    """A district's people and venues, and the random writes they make."""

    def __init__(self, rng: random.Random, district: District, frozen_clock):
        self.rng, self.district, self.freeze = rng, district, frozen_clock
        self.communes = list(district.communes)
        self.inspectors = [self._user(f"inspector{n}", "inspector") for n in range(2)]
        self.supervisor = self._user("supervisor", "supervisor")
        self.admin = self._user("admin", "admin")
        self.venues = [
            Venue(
                code=f"R-{n:03d}",
                name=f"Địa điểm {n}",
                venue_type="shop",
                commune=rng.choice(self.communes),
                qr_payload=f"PCCOVID|R-{n:03d}",
            )
            for n in range(12)
        ]
        db.session.add_all(self.venues)
        db.session.commit()

    def _user(self, username: str, role: str) -> User:
        user = User(username=username, display_name=username, role=role, district=self.district)
        user.set_password("not used by these tests")
        db.session.add(user)
        return user

    @property
    def commune_ids(self) -> list[int]:
        return [c.id for c in self.communes]

    def open_venues(self) -> list[Venue]:
        return [v for v in self.venues if v.is_active]

    def findings(self) -> list[Inspection]:
        return list(db.session.scalars(select(Inspection).order_by(Inspection.id)))

    def new_finding(self) -> None:
        rng = self.rng
        venue = rng.choice(self.open_venues())
        earlier = self.findings()
        if earlier and rng.random() < 0.15:  # the same moment as another finding: ids decide
            received = rng.choice(earlier).server_time
        else:
            received = moment(rng)
        service.record_inspection(
            venue,
            rng.choice(self.inspectors),
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            answers_for(rng),
            None,
            NOWHERE,
            NO_GPS,
            [],
            received_at=received,
        )

    def correction(self) -> None:
        editable = [f for f in self.findings() if f.review_state != "approved"]
        returned = [f for f in editable if f.review_state == "returned"]
        if returned and self.rng.random() < 0.6:  # a returned finding corrected: counted again
            editable = returned
        if editable:
            finding = self.rng.choice(editable)
            service.update_inspection(
                finding, finding.inspector, answers_for(self.rng), NOWHERE, NO_GPS, []
            )

    def review(self) -> None:
        pending = [f for f in self.findings() if f.review_state == "pending"]
        if pending:
            finding = self.rng.choice(pending)
            if self.rng.random() < 0.5:
                approve(finding, self.supervisor)
            else:
                return_for_correction(finding, self.supervisor, "Chụp lại ảnh mã QR.")

    def merge(self) -> None:
        open_venues = self.open_venues()
        if len(open_venues) > 4:
            keep, drop = self.rng.sample(open_venues, 2)
            merge(keep, drop, self.admin)

    def poster(self) -> None:
        self.freeze(moment(self.rng))
        issue_poster(self.rng.choice(self.venues), self.admin, "damaged")

    def move_venue(self) -> None:
        venue = self.rng.choice(self.venues)
        venue.commune = self.rng.choice(self.communes)
        db.session.flush()

    def delete_finding(self) -> None:
        findings = self.findings()
        if findings:
            db.session.delete(self.rng.choice(findings))  # its posters name no finding
            db.session.flush()

    def random_write(self) -> None:
        action = self.rng.choices(
            [
                self.new_finding,
                self.correction,
                self.review,
                self.merge,
                self.poster,
                self.move_venue,
                self.delete_finding,
            ],
            [40, 14, 16, 3, 8, 4, 3],
        )[0]
        action()
        if self.rng.random() < 0.3:
            db.session.commit()


def random_writes(office: Office, writes: int, check_every: int) -> None:
    for n in range(1, writes + 1):
        office.random_write()
        if n % check_every == 0:
            db.session.commit()
            assert_rollup_is_a_recount(office.commune_ids, office.rng)
            assert_month_cells_sum_the_day_cells()
            incremental, by_month = rollup_cells(), month_cells()
            rebuild_rollups()  # changes nothing
            assert (rollup_cells(), month_cells()) == (incremental, by_month)
    db.session.commit()
    assert_rollup_is_a_recount(office.commune_ids, office.rng, periods=60)
    assert_month_cells_sum_the_day_cells()
    incremental, by_month = rollup_cells(), month_cells()
    assert incremental and all(any(amounts) for amounts in incremental.values())
    assert by_month and all(any(amounts) for amounts in by_month.values())
    assert {month for _, month, _ in by_month} == {date(2021, 10, 1), date(2021, 11, 1)}
    rebuild_rollups()
    assert (rollup_cells(), month_cells()) == (incremental, by_month)


def test_hundreds_of_random_writes_keep_the_rollup_a_recount(app, quan_son, frozen_clock):
    office = Office(random.Random(23), quan_son, frozen_clock)
    random_writes(office, writes=400, check_every=40)
    assert len(office.findings()) > 100
    assert sum(not v.is_active for v in office.venues) >= 2  # merges happened
    states = {f.review_state for f in office.findings()}
    assert states == {"pending", "approved", "returned"}  # some are left out at the end


def test_findings_by_commune_reads_the_rollup(app, quan_son, frozen_clock, queries):
    office = Office(random.Random(5), quan_son, frozen_clock)
    for _ in range(30):
        office.new_finding()
    db.session.commit()
    ids, week = office.commune_ids, (FIRST_DAY, FIRST_DAY + timedelta(days=6))
    queries.clear()
    found = findings_by_commune(ids, *week)
    assert len(queries) == 1 and "finding_rollup" in queries[0]
    assert found == recount_findings(ids, *week) and found
    assert "inspection" not in queries[0].replace("venues_inspected", "")


def test_a_later_finding_counts_by_time_not_by_id(app, quan_son, make_venue, make_user):
    """Findings reach the server out of order (the outbox waited for a signal): the latest
    is the last by server time, whatever the ids say."""
    venue, inspector = make_venue(), make_user()
    for hour, posted in ((9, "missing"), (8, "visible")):  # the 09:00 finding is stored first
        service.record_inspection(
            venue,
            inspector,
            str(uuid.uuid4()),
            {**answers_for(random.Random(1)), "qr_posted": posted},
            None,
            NOWHERE,
            NO_GPS,
            [],
            received_at=clock.at_vietnam_time(FIRST_DAY, datetime.min.time())
            + timedelta(hours=hour),
        )
    db.session.commit()
    found = findings_by_commune([venue.commune_id], FIRST_DAY, FIRST_DAY)[venue.commune_id]
    assert found.venues_inspected == 1 and found.qr_visible == 0


def test_a_returned_finding_is_left_out_until_corrected(
    app, quan_son, make_venue, make_user, record_finding, login, client
):
    venue = make_venue()
    login(make_user("inspector"))
    finding = record_finding(venue, qr_posted="hidden")
    client.post("/logout")
    before = rollup_cells()
    assert sum(amounts[0] for amounts in before.values()) == 1
    supervisor = make_user("supervisor", role="supervisor")
    return_for_correction(finding, supervisor, "Ảnh mờ.")
    db.session.commit()
    assert rollup_cells() == {}  # returned: counted nowhere
    today = clock.today()
    assert recount_findings([venue.commune_id], today - timedelta(days=30), today) == {}
    # Corrected (visible now): pending again, counted with its corrected answers.
    service.update_inspection(
        finding,
        finding.inspector,
        {**answers_for(random.Random(2)), "qr_posted": "visible"},
        NOWHERE,
        NO_GPS,
        [],
    )
    db.session.commit()
    corrected = rollup_cells()
    assert sum(amounts[0] for amounts in corrected.values()) == 1
    assert sum(amounts[1] for amounts in corrected.values()) == 1
    approve(finding, supervisor)  # approved: still counted, the same
    db.session.commit()
    assert rollup_cells() == corrected


def test_a_venue_whose_latest_finding_is_returned_counts_by_its_previous_one(
    app, quan_son, make_venue, make_user
):
    venue, inspector = make_venue(), make_user()
    supervisor = make_user("supervisor", role="supervisor")
    findings = []
    for day, posted in ((0, "visible"), (2, "missing")):
        findings.append(
            service.record_inspection(
                venue,
                inspector,
                str(uuid.uuid4()),
                {**answers_for(random.Random(day)), "qr_posted": posted},
                None,
                NOWHERE,
                NO_GPS,
                [],
                received_at=clock.day_start(FIRST_DAY + timedelta(days=day)) + timedelta(hours=3),
            )[0]
        )
    db.session.commit()
    week = (FIRST_DAY, FIRST_DAY + timedelta(days=6))

    def counted():
        found = findings_by_commune([venue.commune_id], *week)
        assert found == recount_findings([venue.commune_id], *week)
        return found[venue.commune_id]

    assert (counted().venues_inspected, counted().qr_visible) == (1, 0)  # by the latest
    return_for_correction(findings[1], supervisor, "Sai địa điểm.")
    db.session.commit()
    assert (counted().venues_inspected, counted().qr_visible) == (1, 1)  # by the earlier
    # The first day alone: the earlier one was the venue's latest of that period all along.
    assert (
        findings_by_commune([venue.commune_id], FIRST_DAY, FIRST_DAY)[venue.commune_id].qr_visible
        == 1
    )
    incremental = rollup_cells()
    rebuild_rollups()
    assert rollup_cells() == incremental


def test_merging_venues_of_two_communes_counts_the_kept_venue_once(
    app, quan_son, make_venue, make_user
):
    communes = {c.name: c for c in quan_son.communes}
    keep = make_venue("Chợ Sơn Hà")
    drop = make_venue("Chợ Sơn Hà cũ", commune=communes["Trung Xuân"])
    inspector, admin = make_user(), make_user("admin", role="admin")
    for venue, hour in ((keep, 1), (drop, 2)):
        service.record_inspection(
            venue,
            inspector,
            str(uuid.uuid4()),
            answers_for(random.Random(hour)),
            None,
            NOWHERE,
            NO_GPS,
            [],
            received_at=clock.day_start(FIRST_DAY) + timedelta(hours=hour),
        )
    db.session.commit()
    ids = [c.id for c in quan_son.communes]
    assert (
        sum(f.venues_inspected for f in findings_by_commune(ids, FIRST_DAY, FIRST_DAY).values())
        == 2
    )
    merge(keep, drop, admin)
    db.session.commit()
    found = findings_by_commune(ids, FIRST_DAY, FIRST_DAY)
    assert found == recount_findings(ids, FIRST_DAY, FIRST_DAY)
    assert {communes["Sơn Hà"].id: 1} == {c: f.venues_inspected for c, f in found.items()}


def test_an_import_moving_a_venue_to_another_commune_moves_its_counts(
    app, quan_son, make_venue, make_user, frozen_clock
):
    venue = make_venue("Chợ Sơn Hà", code="QS-MOVE")
    inspector = make_user()
    frozen_clock(clock.day_start(FIRST_DAY) + timedelta(hours=3))
    service.record_inspection(
        venue,
        inspector,
        str(uuid.uuid4()),
        answers_for(random.Random(3)),
        None,
        NOWHERE,
        NO_GPS,
        [],
    )
    issue_poster(venue, inspector, "damaged")
    db.session.commit()
    report = import_venues(
        "code,name,commune\nQS-MOVE,Chợ Sơn Hà,Trung Xuân\n", quan_son, update=True
    )
    assert report.updated == [venue]
    db.session.commit()
    ids = [c.id for c in quan_son.communes]
    found = findings_by_commune(ids, FIRST_DAY, FIRST_DAY)
    assert found == recount_findings(ids, FIRST_DAY, FIRST_DAY)
    trung_xuan = next(c for c in quan_son.communes if c.name == "Trung Xuân")
    assert list(found) == [trung_xuan.id]
    assert (found[trung_xuan.id].venues_inspected, found[trung_xuan.id].posters_issued) == (1, 1)


def test_the_rollup_day_is_the_clock_s_vietnamese_day(app, make_venue, make_user):
    """The SQL date of a stored moment (engine_sql) is clock.vietnam_date's, at midnight
    and either side of it, in the incremental cells and the rebuilt ones."""
    venue, inspector = make_venue(), make_user()
    midnight = clock.day_start(FIRST_DAY)  # 17:00 UTC the day before
    moments = [midnight + timedelta(seconds=s) for s in (-1, 0, 1, 3600 * 7, 86_399, 86_400)]
    for when in moments:
        service.record_inspection(
            venue,
            inspector,
            str(uuid.uuid4()),
            answers_for(random.Random(4)),
            None,
            NOWHERE,
            NO_GPS,
            [],
            received_at=when,
        )
    db.session.commit()
    days = sorted({clock.vietnam_date(when) for when in moments})
    assert days == [FIRST_DAY - timedelta(days=1), FIRST_DAY, FIRST_DAY + timedelta(days=1)]
    # Each counted on its day, chained to the day of the venue's next finding.
    commune = venue.commune_id
    expected = {
        (commune, days[0], days[1]),
        (commune, days[1], days[1]),  # re-inspected the same day
        (commune, days[1], days[2]),
        (commune, days[2], LATEST),
    }
    assert set(rollup_cells()) == expected
    rebuild_rollups()
    assert set(rollup_cells()) == expected


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_both_branches_of_the_engine_specific_sql(dialect):
    """Each run of the suite executes its own engine's branch; both compile in either."""
    sql = engine_sql(SimpleNamespace(dialect=dialect))
    cells = rollups.rollup_table.c
    upsert = sql.upsert(rollups.rollup_table)
    statement = upsert.on_conflict_do_update(
        index_elements=[cells.commune_id, cells.day, cells.next_day],
        set_={"compliant": cells.compliant + upsert.excluded.compliant},
    )
    compiled = str(statement.compile(dialect=dialect))
    assert "ON CONFLICT (commune_id, day, next_day) DO UPDATE SET compliant" in compiled
    day = str(
        select(sql.vietnam_day(Inspection.server_time)).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}
        )
    )
    expected = (
        "CAST(inspection.server_time + INTERVAL '7 hours' AS DATE)"
        if dialect.name == "postgresql"
        else "date(inspection.server_time, '+7 hours')"
    )
    assert expected in day
    month = str(
        select(sql.month_start(rollups.rollup_table.c.day)).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}
        )
    )
    expected = (
        "CAST(date_trunc('month', finding_rollup.day) AS DATE)"
        if dialect.name == "postgresql"
        else "date(finding_rollup.day, 'start of month')"
    )
    assert expected in month


# PostgreSQL: two findings of one venue at once ------------------------------------------------
@contextlib.contextmanager
def postgresql_app(tmp_path, databases):
    """An app on a PostgreSQL database of the test's own: a clone in the PostgreSQL run, a
    server of its own (migrated here) in the SQLite run, so both runs test this branch."""
    with contextlib.ExitStack() as stack:
        if databases.engine == "postgresql":
            url = databases.another(tmp_path)
        else:
            url = stack.enter_context(servers.postgresql())
            migrate(url)
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "SQLALCHEMY_DATABASE_URI": url,
                "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            }
        )
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


def test_two_findings_of_one_venue_at_once_are_chained_on_postgresql(
    tmp_path, databases, frozen_clock
):
    """The first finding's transaction holds its venue's lock (uncommitted); the second's,
    recorded meanwhile, waits for it at the lock (seen in pg_stat_activity), then sees the
    first committed and chains after it: the venue counts once, by the second."""
    with postgresql_app(tmp_path, databases) as app:
        province = Province(name="Thanh Hóa")
        district = District(name="Quan Sơn", province=province)
        commune = Commune(name="Sơn Hà", kind="xa", district=district)
        venue = Venue(code="PG-1", name="Chợ", venue_type="market", commune=commune)
        inspector = User(
            username="inspector", display_name="I", role="inspector", district=district
        )
        inspector.set_password("not used by this test")
        db.session.add_all([venue, inspector])
        db.session.commit()
        venue_id, inspector_id, commune_id = venue.id, inspector.id, commune.id
        first_at = clock.day_start(FIRST_DAY) + timedelta(hours=2)
        failures, pids = [], {}
        first_flushed, first_may_commit = threading.Event(), threading.Event()

        def record(name: str, when: datetime, posted: str) -> None:
            try:
                with app.app_context():
                    pids[name] = (
                        db.session.connection().connection.driver_connection.info.backend_pid
                    )
                    service.record_inspection(
                        db.session.get(Venue, venue_id),
                        db.session.get(User, inspector_id),
                        str(uuid.uuid4()),
                        {**answers_for(random.Random(6)), "qr_posted": posted},
                        None,
                        NOWHERE,
                        NO_GPS,
                        [],
                        received_at=when,
                    )
                    if name == "first":
                        first_flushed.set()
                        assert first_may_commit.wait(timeout=60)
                    db.session.commit()
                    db.session.remove()
            except Exception as error:  # surfaced below: a thread's exception is otherwise lost
                failures.append(error)
                first_flushed.set()

        first = threading.Thread(target=record, args=("first", first_at, "missing"))
        second = threading.Thread(
            target=record, args=("second", first_at + timedelta(hours=1), "visible")
        )
        first.start()
        assert first_flushed.wait(timeout=60)
        second.start()
        waiting = waits_for_lock(pids, "second", failures)
        first_may_commit.set()
        first.join(timeout=60)
        second.join(timeout=60)
        assert failures == []
        assert waiting, "the second finding never waited for the first's lock"
        found = findings_by_commune([commune_id], FIRST_DAY, FIRST_DAY)
        assert found == recount_findings([commune_id], FIRST_DAY, FIRST_DAY)
        assert (found[commune_id].venues_inspected, found[commune_id].qr_visible) == (1, 1)
        # and a short run of random writes on this engine, whatever the suite's
        office = Office(random.Random(21), district, frozen_clock)
        random_writes(office, writes=80, check_every=40)


def test_demo_data_is_counted_and_the_command_rebuilds_the_same_cells(app):
    seed_demo(now=datetime(2021, 11, 12, 10))
    db.session.commit()
    ids = list(db.session.scalars(select(Commune.id)))
    assert_rollup_is_a_recount(ids, random.Random(9))
    seeded = rollup_cells()
    assert sum(amounts[0] for amounts in seeded.values()) > 50
    db.session.execute(rollups.rollup_table.delete())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["rollups-rebuild"])
    assert result.exit_code == 0 and f"{len(seeded)} cells" in result.output
    db.session.expire_all()
    assert rollup_cells() == seeded

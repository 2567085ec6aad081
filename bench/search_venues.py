"""Benchmark: venue search at national scale (prints figures, asserts nothing).

Builds a country of `--venues` venues (default 1,000,000) in 700 districts of about the
same size, 14 communes each; one province holds 70 districts (about a tenth of the
venues, 100,000 at the default), the other 630 districts share 62 provinces. Rows go in
with SQLAlchemy Core (COPY on PostgreSQL), then `rebuild_search_index()` (and on
PostgreSQL a VACUUM ANALYZE, as a running database has had; its server gets
deploy/compose.yaml's memory settings); the schema comes from the migrations, as deployed.

Then it searches as people type (one letter, a word, two words, codes, a part of a code,
nothing found) at three scopes: one district, the big province (70 districts), the
nation (every district), after one warm-up pass, and prints per scope the 50th and 95th
percentile of database time (the time the statements spent in the driver, summed per
search) and of the whole `search_venues` call. The goal of issue 13: p95 database time
at most 20 ms.

With --status (issue 15), the venues get statuses first (seven in ten inspected, one in
ten of those overdue for re-inspection, outcomes spread; an open assignment for one venue
in a thousand) and the list's status filters are timed too, alone and with a commune.

Run: .venv/bin/python bench/search_venues.py [--venues 1000000] [--repeat 3] [--postgresql]
[--status] (a quick look: --venues 100000)
"""

import argparse
import csv
import io
import random
import sqlite3
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import event, insert, select, text

from fieldapp import clock as app_clock
from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.models import Commune, District, Province, User, Venue
from fieldapp.text import search_text
from fieldapp.venues import service
from fieldapp.venues.filters import VenueFilters
from fieldapp.venues.search_index import bulk_load, rebuild_search_index
from fieldapp.venues.service import search_venues

DISTRICTS, COMMUNES_PER_DISTRICT, BIG_PROVINCE_DISTRICTS = 700, 14, 70
# PostgreSQL's memory settings as deploy/compose.yaml gives them (bench/national.py uses
# the same): with its defaults (128 MB of cache) the search index does not stay in memory.
PRODUCTION_POSTGRESQL = {"shared_buffers": "2GB", "effective_cache_size": "6GB",
                         "random_page_cost": "1.1", "work_mem": "16MB"}  # fmt: skip
CHUNK = 50_000
KINDS = [
    ("Chợ", "market"),
    ("Trường Tiểu học", "school"),
    ("Trường THCS", "school"),
    ("Trường Mầm non", "school"),
    ("Cửa hàng tạp hóa", "shop"),
    ("Cửa hàng điện thoại", "shop"),
    ("Nhà văn hóa", "village_cultural_house"),
    ("Trạm Y tế", "health_station"),
    ("Công ty TNHH", "enterprise"),
    ("Nhà nghỉ", "tourist_accommodation"),
    ("Quán cà phê", "shop"),
    ("Siêu thị mini", "mini_supermarket"),
    ("UBND xã", "government_office"),
]
PLACES = [
    "Sơn",
    "Hà",
    "Lư",
    "Mường",
    "Mìn",
    "Xuân",
    "Thượng",
    "Tiến",
    "Điện",
    "Thủy",
    "Mèo",
    "Bản",
    "Na",
    "Hồ",
    "Tam",
    "Thanh",
    "Trung",
    "Hạ",
    "Đồng",
    "Sông",
    "Cầu",
    "Giấy",
    "Đức",
    "Anh",
    "Bình",
    "Minh",
    "Phú",
    "Lộc",
    "An",
    "Khánh",
    "Hòa",
    "Long",
    "Tân",
    "Lập",
    "Quang",
    "Vinh",
    "Hưng",
    "Thịnh",
    "Phát",
    "Đạt",
    "Nam",
    "Bắc",
    "Đông",
    "Tây",
    "Kim",
    "Ngọc",
    "Hoa",
    "Mai",
    "Lan",
    "Cúc",
    "Trúc",
    "Tùng",
    "Bách",
]
QUERIES = [
    "s",  # the first letter typed
    "c",
    "so",
    "son",
    "son ha",
    "cho",
    "truong thcs",
    "nha van hoa ban",
    "muong min",
    "cua hang dien",
    "q012-00",  # the start of a code
    "0045678",  # the number of a code
    "xyz",  # nothing found
]


def venue_rows(count: int, communes: list[tuple[int, str]], rng: random.Random):
    """`count` venues as Core rows, spread evenly over the communes (id, code prefix)."""
    now = datetime(2021, 9, 1)
    for n in range(count):
        commune_id, prefix = communes[n % len(communes)]
        kind, venue_type = rng.choice(KINDS)
        name = f"{kind} {' '.join(rng.sample(PLACES, rng.randint(1, 3)))}"
        code = f"{prefix}-{n:07d}"
        address = f"Bản {rng.choice(PLACES)}, xã {rng.choice(PLACES)} {rng.choice(PLACES)}"
        yield {
            "code": code,
            "name": name,
            "venue_type": venue_type,
            "address": address,
            "commune_id": commune_id,
            "contact_name": "",
            "contact_phone": "",
            "qr_payload": "",
            "is_active": rng.random() > 0.02,
            "search_key": search_text(f"{name} {code} {address}"),
            "created_at": now,
        }


def build_country(venues: int, rng: random.Random) -> tuple[list[int], list[int]]:
    """Provinces, districts, communes and venues; the big province's district ids and all."""
    provinces = [Province(name=f"Tỉnh {n}") for n in range(63)]
    db.session.add_all(provinces)
    db.session.flush()
    districts = []
    for n in range(DISTRICTS):
        province = provinces[0] if n < BIG_PROVINCE_DISTRICTS else provinces[1 + n % 62]
        districts.append(District(name=f"Huyện {n}", province_id=province.id))
    db.session.add_all(districts)
    db.session.flush()
    db.session.execute(
        insert(Commune),
        [
            {"name": f"Xã {d.id}-{c}", "kind": "xa", "district_id": d.id}
            for d in districts
            for c in range(COMMUNES_PER_DISTRICT)
        ],
    )
    communes = [
        (commune_id, f"Q{district_id:03d}")
        for commune_id, district_id in db.session.execute(
            select(Commune.id, Commune.district_id).order_by(Commune.id)
        )
    ]
    rows = venue_rows(venues, communes, rng)
    if db.engine.dialect.name == "postgresql":
        # The index's trigger is off while COPY runs: rebuild_search_index() follows.
        with bulk_load(db.session.connection()):
            copy_venues(rows)
    else:
        while chunk := [row for _, row in zip(range(CHUNK), rows, strict=False)]:
            db.session.execute(insert(Venue), chunk)
    db.session.commit()
    started = time.perf_counter()
    rebuild_search_index()
    db.session.commit()
    print(f"  rebuild_search_index(): {time.perf_counter() - started:.1f} s")
    if db.engine.dialect.name == "postgresql":
        # As a running database is: the visibility map that index-only walks need (no page
        # is marked all-visible after a bulk load until a VACUUM).
        started = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        print(f"  VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")
    big = [d.id for d in districts[:BIG_PROVINCE_DISTRICTS]]
    return big, [d.id for d in districts]


def copy_venues(rows) -> None:
    """PostgreSQL: the venues through COPY, the quick way in."""
    connection = db.session.connection().connection.driver_connection
    first = next(rows)
    columns = list(first)
    statement = f"COPY venue ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for n, row in enumerate([first, *rows], start=1):
            writer.writerow([row[column] for column in columns])
            if n % CHUNK == 0:
                copy.write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
        copy.write(buffer.getvalue())


class StatementClock:
    """The time spent in the database driver, summed until `take()`: on PostgreSQL the
    statements' execution (psycopg reads the rows then); on SQLite also the fetching, since
    SQLite computes rows as they are fetched (see `TimedSQLiteCursor`)."""

    spent = 0.0
    timed_engines: ClassVar[set] = set()

    def __init__(self, engine):
        if engine.dialect.name != "sqlite" and engine not in StatementClock.timed_engines:
            StatementClock.timed_engines.add(engine)
            event.listen(engine, "before_cursor_execute", self.before)
            event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["search_started"] = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        StatementClock.spent += time.perf_counter() - conn.info.pop("search_started")

    def take(self) -> float:
        spent, StatementClock.spent = StatementClock.spent, 0.0
        return spent


def _timed(method):
    def timed(self, *args):
        started = time.perf_counter()
        try:
            return method(self, *args)
        finally:
            StatementClock.spent += time.perf_counter() - started

    return timed


class TimedSQLiteCursor(sqlite3.Cursor):
    """A cursor that adds its time in execute and fetch to `StatementClock.spent`."""

    execute = _timed(sqlite3.Cursor.execute)
    executemany = _timed(sqlite3.Cursor.executemany)
    fetchone = _timed(sqlite3.Cursor.fetchone)
    fetchmany = _timed(sqlite3.Cursor.fetchmany)
    fetchall = _timed(sqlite3.Cursor.fetchall)


class TimedSQLiteConnection(sqlite3.Connection):
    def cursor(self, factory=TimedSQLiteCursor):
        return super().cursor(factory)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(engine_name: str, big_province: list[int], nation: list[int], args) -> None:
    rng = random.Random(7)
    clock = StatementClock(db.engine)
    scopes = {
        "district": lambda: [rng.choice(nation)],
        "province": lambda: big_province,
        "nation": lambda: nation,
    }
    print(
        f"venue search, {engine_name}, {args.venues:,} venues, page of 30, "
        f"{len(QUERIES)} queries x {args.repeat}; milliseconds"
    )
    print(f"  {'scope':9} {'db p50':>8} {'db p95':>8} {'call p50':>9} {'call p95':>9}  worst query")
    for districts in scopes.values():  # a warm-up: a running server has its index in memory
        for query in QUERIES:
            search_venues(districts(), query)
    for scope, districts in scopes.items():
        database, calls, worst = [], [], (0.0, "")
        for _ in range(args.repeat):
            for query in QUERIES:
                ids = districts()
                db.session.expunge_all()
                clock.take()
                started = time.perf_counter()
                result = search_venues(ids, query)
                calls.append(time.perf_counter() - started)
                database.append(clock.take())
                worst = max(worst, (database[-1], f"{query!r} ({result.total} shown)"))
        print(
            f"  {scope:9} {percentile(database, 0.5) * 1000:8.1f} "
            f"{percentile(database, 0.95) * 1000:8.1f} {percentile(calls, 0.5) * 1000:9.1f} "
            f"{percentile(calls, 0.95) * 1000:9.1f}  {worst[1]} {worst[0] * 1000:.1f}"
        )
    if args.detail:
        for query in QUERIES:
            for scope, districts in scopes.items():
                clock.take()
                result = search_venues(districts(), query)
                more = "+" if result.total_capped else " "
                print(
                    f"    {scope:9} {query!r:20} {result.total:5d}{more} "
                    f"{clock.take() * 1000:7.1f} ms"
                )


def set_statuses() -> None:
    """Statuses as a district's year leaves them: seven venues in ten inspected (outcomes
    spread), one in ten of those overdue for re-inspection, and an open assignment for one
    venue in a thousand (portable SQL: both engines)."""
    inspected = datetime(2026, 11, 2, 3, 0)
    db.session.execute(
        text(
            "UPDATE venue SET last_inspected_at = :at, last_outcome = CASE WHEN id % 3 = 0"
            " THEN 'compliant' WHEN id % 3 = 1 THEN 'needs_improvement'"
            " ELSE 'non_compliant' END WHERE id % 10 < 7"
        ),
        {"at": inspected},
    )
    db.session.execute(
        text("UPDATE venue SET reinspection_due = :day WHERE id % 10 = 0"),
        {"day": datetime(2026, 11, 20).date()},
    )
    inspector = User(
        username="bench",
        display_name="Bench",
        role="inspector",
        district_id=db.session.scalar(select(District.id).limit(1)),
        password_hash="",
    )
    db.session.add(inspector)
    db.session.flush()
    user = inspector.id
    db.session.execute(
        text(
            "INSERT INTO assignment (venue_id, inspector_id, due_date, note, created_by_id,"
            " created_at) SELECT id, :user, :day, '', :user, :at FROM venue"
            " WHERE id % 1000 = 7"
        ),
        {"user": user, "day": datetime(2026, 12, 20).date(), "at": inspected},
    )
    db.session.execute(text("ANALYZE"))
    db.session.commit()


STATUS_FILTERS = [
    "status=never",
    "status=overdue",
    "outcome=non_compliant",
    "assigned=yes",
    "assigned=no",
    "status=never&assigned=no",
    "q=cho&status=overdue",
]


def measure_filters(engine_name: str, big_province: list[int], nation: list[int], args) -> None:
    """The venue list's status filters at each scope, alone and in one commune."""
    rng = random.Random(11)
    clock = StatementClock(db.engine)
    today = app_clock.today()
    print(f"status filters, {engine_name}; database milliseconds (count shown)")
    for scope, districts in (("district", None), ("province", big_province), ("nation", nation)):
        for query in STATUS_FILTERS:
            ids = districts or [rng.choice(nation)]
            for with_commune in (False, True):
                commune = None
                if with_commune:
                    commune = db.session.scalar(
                        select(Commune.id).where(Commune.district_id == ids[0]).limit(1)
                    )
                filters = VenueFilters.from_query_string(query)
                db.session.expunge_all()
                clock.take()
                result = search_venues(
                    ids,
                    filters.q,
                    commune_id=commune,
                    conditions=filters.status_conditions(today),
                )
                more = "+" if result.total_capped else " "
                where = "commune" if with_commune else scope
                print(
                    f"  {where:9} {query:28} {result.total:5d}{more} {clock.take() * 1000:7.1f} ms"
                )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--venues", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgresql", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--detail", action="store_true", help="each query's time")
    parser.add_argument("--status", action="store_true", help="the list's status filters too")
    parser.add_argument(
        "--sort-limit", type=int, help="try another service.SORT_LIMIT (results sorted whole)"
    )
    args = parser.parse_args()
    if args.sort_limit:
        service.SORT_LIMIT = args.sort_limit
    engines = ([] if args.no_sqlite else ["sqlite"]) + (["postgresql"] if args.postgresql else [])
    for engine_name in engines:
        with ExitStack() as stack:
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            if engine_name == "postgresql":
                from tests.servers import postgresql

                url = stack.enter_context(postgresql(**PRODUCTION_POSTGRESQL))
            else:
                url = f"sqlite:///{tmp}/bench.db"
            config = {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": f"{tmp}/uploads"}
            if engine_name == "sqlite":
                config["SQLALCHEMY_ENGINE_OPTIONS"] = {
                    "connect_args": {"factory": TimedSQLiteConnection}
                }
            app = create_app(config)
            with app.app_context():
                upgrade()
                started = time.perf_counter()
                big, nation = build_country(args.venues, random.Random(1))
                print(
                    f"{engine_name}: {args.venues:,} venues in {len(nation)} districts, "
                    f"loaded in {time.perf_counter() - started:.0f} s"
                )
                measure(engine_name, big, nation, args)
                if args.status:
                    set_statuses()
                    measure_filters(engine_name, big, nation, args)
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()

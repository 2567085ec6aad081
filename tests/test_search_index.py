"""The venue search's word index (fieldapp/venues/search_index.py) against a plain scan.

Random venues and random queries: the indexed search must give the ids, order and
counts that a Python scan of the rule gives; the index must follow every way venues are
written (registration, edits, merges, imports, the demo, a commune moved); nothing
typed may break the FTS5 or tsquery syntax. Runs on SQLite (the FTS5 branch) and on
PostgreSQL (the tsvector branch) with `FIELDAPP_TEST_DATABASE=postgresql`.
"""

import random
import re

import pytest
from flask import render_template
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from fieldapp.demo import seed_demo
from fieldapp.extensions import db
from fieldapp.models import Commune, District, Venue
from fieldapp.text import search_terms
from fieldapp.venues import search_index, service
from fieldapp.venues.duplicates import merge
from fieldapp.venues.importer import import_venues
from fieldapp.venues.search_index import WORD_TABLE
from fieldapp.venues.service import register_venue, search_venues
from tests.factories import commune_named

SYLLABLES = [
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
    "Chợ",
    "Trường",
    "Cửa",
    "hàng",
    "Nhà",
    "văn",
    "hóa",
    "Trạm",
    "Y",
    "tế",
    "Công",
    "ty",
    "Đức",
    "Anh",
    "Khách",
    "sạn",
    "Quán",
    "Cà",
    "phê",
    "Na",
    "Hồ",
    "Tam",
    "Thanh",
    "Trung",
    "Hạ",
    "Đồng",
    "Sông",
]
PREFIXES = ("QS", "YC", "CT", "APP")


def reference(
    venues: list[Venue],
    district_ids: list[int],
    query: str,
    *,
    commune_id=None,
    venue_type=None,
    two_ranks=False,
) -> list[Venue]:
    """The rule as a plain scan: every word typed (with a letter or digit) starts a word of
    the search key, after its start, a space or '-'; names starting with the phrase first,
    then those holding it at a word's start (unless `two_ranks`), then the others. Text
    typed with no letter or digit finds nothing."""
    terms = [term for term in search_terms(query) if re.search("[0-9a-z]", term)]
    if query.strip() and not terms:
        return []

    def matches(key: str, term: str) -> bool:
        return key.startswith(term) or f" {term}" in key or f"-{term}" in key

    found = [
        venue
        for venue in venues
        if venue.is_active
        and venue.commune.district_id in district_ids
        and (commune_id is None or venue.commune_id == commune_id)
        and (venue_type is None or venue.venue_type == venue_type)
        and all(matches(venue.search_key, term) for term in terms)
    ]
    phrase = " ".join(terms)

    def rank(venue: Venue) -> int:
        if not terms or venue.search_key.startswith(phrase):
            return 0
        return 1 if two_ranks or f" {phrase}" in venue.search_key else 2

    return sorted(found, key=lambda venue: (rank(venue), venue.search_key, venue.id))


@pytest.fixture
def places(app, quan_son, other_district):
    """Two provinces: Quan Sơn (three communes) with a neighbour, and Yên Châu."""
    neighbour = District(name="Cẩm Thủy", province=quan_son.province)
    db.session.add(Commune(name="Cẩm Châu", kind="xa", district=neighbour))
    db.session.add(Commune(name="Cẩm Bình", kind="xa", district=neighbour))
    db.session.commit()
    return {"quan_son": quan_son, "neighbour": neighbour, "other": other_district}


@pytest.fixture
def random_venues(places):
    """300 random venues over five communes of three districts, a tenth of them closed."""
    rng = random.Random(13)
    communes = list(db.session.scalars(select(Commune).order_by(Commune.id)))
    venues = []
    for n in range(300):
        name = " ".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.1:
            name = name.upper()
        if rng.random() < 0.05:
            name += "-" + rng.choice(SYLLABLES)  # a hyphenated name
        code = f"{rng.choice(PREFIXES)}-{rng.choice(['SH', 'SL', 'TX', 'CD'])}-{n:04d}"
        if rng.random() < 0.1:
            code = f"{rng.choice(PREFIXES)}{n:06d}"  # no hyphen, up to 9 letters
        address = rng.choice(["", f"Bản {rng.choice(SYLLABLES)}", f"Khu {rng.randint(1, 9)}"])
        venues.append(
            Venue(
                code=code,
                name=name,
                venue_type=rng.choice(["market", "school", "shop"]),
                commune=rng.choice(communes),
                address=address,
                is_active=rng.random() > 0.1,
            )
        )
    db.session.add_all(venues)
    db.session.commit()
    return venues


def all_venues() -> list[Venue]:
    return list(db.session.scalars(select(Venue)))


def query_strategy():
    """Queries people type: word prefixes, two words, codes and their parts, diacritics,
    upper case, and junk."""
    word = st.sampled_from(SYLLABLES)
    prefix = st.builds(lambda w, n: w[:n], word, st.integers(1, 6))
    code = st.builds(
        lambda p, part, n: f"{p}-{part}-{n:04d}",
        st.sampled_from(PREFIXES),
        st.sampled_from(["SH", "SL", "TX"]),
        st.integers(0, 310),
    )
    code_part = st.builds(lambda c, a, b: c[a:b], code, st.integers(0, 6), st.integers(2, 12))
    junk = st.text(alphabet="&|!:*'\\\"()-_% abcĐđ0123^~<>", max_size=12)
    whole_code = st.builds(
        lambda p, n: f"{p}{n:06d}", st.sampled_from(PREFIXES), st.integers(0, 310)
    )
    one = st.one_of(prefix, word, code, code_part, whole_code, junk, st.builds(str.upper, prefix))
    return st.one_of(one, st.builds(lambda a, b: f"{a} {b}", one, one))


def ids(venues) -> list[int]:
    return [venue.id for venue in venues]


SCOPES = ("district", "province", "two_provinces")


def scope_ids(places, scope: str) -> list[int]:
    quan_son, neighbour, other = places["quan_son"], places["neighbour"], places["other"]
    return {
        "district": [quan_son.id],
        "province": [quan_son.id, neighbour.id],
        "two_provinces": [quan_son.id, neighbour.id, other.id],
    }[scope]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    query=query_strategy(),
    scope=st.sampled_from(SCOPES),
    page_size=st.integers(1, 40),
    place_filter_max=st.sampled_from([100, 1]),
    every_district_read_above=st.sampled_from([32, 0]),
)
def test_search_equals_a_plain_scan(
    random_venues,
    places,
    monkeypatch,
    query,
    scope,
    page_size,
    place_filter_max,
    every_district_read_above,
):
    """Also with the scope left out of the index's query (as for a national scope), and
    with every district read (as for a national scope, where a scope of them all needs
    no filter: "two_provinces" is every district of the test's database)."""
    monkeypatch.setattr(search_index, "PLACE_FILTER_MAX", place_filter_max)
    monkeypatch.setattr(search_index, "EVERY_DISTRICT_READ_ABOVE", every_district_read_above)
    districts = scope_ids(places, scope)
    expected = reference(all_venues(), districts, query)
    first = search_venues(districts, query, page_size=page_size)
    assert first.total == len(expected) and not first.total_capped
    assert ids(first.venues) == ids(expected[:page_size])
    assert first.has_more == (len(expected) > page_size)
    if first.has_more:
        second = search_venues(districts, query, page=2, page_size=page_size)
        assert ids(second.venues) == ids(expected[page_size : 2 * page_size])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=query_strategy(), venue_type=st.sampled_from([None, "market", "school"]))
def test_filters_equal_a_plain_scan(random_venues, places, query, venue_type):
    commune = commune_named(places["quan_son"], "Sơn Lư")
    districts = scope_ids(places, "province")
    expected = reference(
        all_venues(), districts, query, commune_id=commune.id, venue_type=venue_type
    )
    found = search_venues(districts, query, commune_id=commune.id, venue_type=venue_type)
    assert ids(found.venues) == ids(expected[:30]) and found.total == len(expected)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    query=st.one_of(st.just(""), st.sampled_from(["s", "c", "t", "b", "q", "0", "son"])),
    scope=st.sampled_from(SCOPES),
    page=st.integers(1, 4),
    place_filter_max=st.sampled_from([100, 1]),
    every_district_read_above=st.sampled_from([32, 0]),
    caps=st.sampled_from([(4, 7), (12, 20), (30, 45)]),
)
def test_large_results_are_read_in_key_order_and_counted_up_to_the_cap(
    random_venues,
    places,
    monkeypatch,
    query,
    scope,
    page,
    place_filter_max,
    every_district_read_above,
    caps,
):
    """Above SORT_LIMIT matches, names starting with the phrase come first and then all
    the others in search-key order; above COUNT_CAP the count says "more than"; paging
    goes on past the cap while full pages come back. With every scope the index is
    asked for (one place, several, none, or all districts: see the test above), and caps
    that the first of PostgreSQL's buckets of venues reaches or not (a national search
    asks them one by one, then the rest: each venue counted once)."""
    monkeypatch.setattr(search_index, "PLACE_FILTER_MAX", place_filter_max)
    monkeypatch.setattr(search_index, "EVERY_DISTRICT_READ_ABOVE", every_district_read_above)
    sort_limit, cap = caps
    monkeypatch.setattr(service, "SORT_LIMIT", sort_limit)
    monkeypatch.setattr(service, "COUNT_CAP", cap)
    districts = scope_ids(places, scope)
    expected = reference(all_venues(), districts, query, two_ranks=True)
    found = search_venues(districts, query, page=page, page_size=5)
    start = (page - 1) * 5
    if len(expected) > sort_limit:  # read along the index
        assert ids(found.venues) == ids(expected[start : start + 5])
    assert found.total == min(len(expected), cap)
    assert found.total_capped == (len(expected) > cap)
    assert found.has_more == (
        len(expected) > start + 5 if len(expected) <= cap else len(found.venues) == 5
    )


def assert_walks_equal_a_plain_scan(places, queries=("", "s", "cho", "son ha", "qs")):
    """Every result read along the index's keys (SORT_LIMIT 0: the walk of a large
    result), at each scope (each district alone, a province, a district with another
    province's, both provinces), equals the plain scan: the table of keys and places that
    the walk reads follows the venues."""
    quan_son, neighbour, other = places["quan_son"].id, places["neighbour"].id, places["other"].id
    scopes = ([quan_son], [neighbour], [other], [quan_son, neighbour], [neighbour, other])
    for districts in [*scopes, [quan_son, neighbour, other]]:
        for query in queries:
            expected = reference(all_venues(), districts, query, two_ranks=True)
            found = search_venues(districts, query, page_size=100)
            assert ids(found.venues) == ids(expected[:100]), (districts, query)
            assert found.total == len(expected)
            # Pages of three: a row the table should have dropped would take a place.
            for page in (1, 2):
                found = search_venues(districts, query, page=page, page_size=3)
                wanted = expected[(page - 1) * 3 : page * 3]
                assert ids(found.venues) == ids(wanted), (districts, query, page)


def test_the_walk_follows_every_way_venues_are_written(
    app, places, make_venue, make_user, monkeypatch
):
    """Registration, edits of the name and the code, closing and reopening, a merge, a
    move to another commune, a deletion, a commune moved to another district, an import
    and its update, a bulk load and the rebuild: after each, the walk finds what a scan
    finds."""
    monkeypatch.setattr(service, "SORT_LIMIT", 0)
    quan_son, neighbour, other = places["quan_son"], places["neighbour"], places["other"]
    son_ha = commune_named(quan_son, "Sơn Hà")
    registered = register_venue(
        son_ha, make_user(), name="Chợ Sơn Hà", venue_type="market", address="Bản Na"
    )
    db.session.commit()
    keep = make_venue("Chợ Sơn Hà mới", code="QS-2")
    drop = make_venue("Chợ Sơn Hà cũ", code="QS-3")
    moved = make_venue("Nhà văn hóa Bản Bơ", code="QS-9")
    gone = make_venue("Cửa hàng Sơn", code="QS-10", commune=neighbour.communes[0])
    assert_walks_equal_a_plain_scan(places)
    registered.name, registered.address = "Siêu thị Sơn Hà", "Khu 4"
    registered.refresh_search_key()
    keep.code = "QS-SL-0777"
    keep.refresh_search_key()
    db.session.commit()
    assert_walks_equal_a_plain_scan(places, ("sieu thi", "s", "sl-0777", "qs-2", "cho"))
    merge(keep, drop, make_user(role="admin", username="admin"))
    registered.is_active = False
    moved.commune = neighbour.communes[0]
    db.session.delete(gone)
    db.session.commit()
    assert_walks_equal_a_plain_scan(places, ("", "cho son", "nha van", "cua hang", "s"))
    registered.is_active = True
    commune_named(quan_son, "Trung Xuân").district_id = other.id
    son_ha.district_id = neighbour.id
    db.session.commit()
    assert_walks_equal_a_plain_scan(places)
    report = import_venues(
        "code,name,commune,address\n"
        "QS-SH-0100,Chợ Mường Mìn,Sơn Hà,Bản Mìn\n"
        "QS-SH-0101,Trạm Y tế xã Sơn Hà,Sơn Hà,Bản Hạ\n",
        neighbour,
    )
    db.session.commit()
    assert report.applied and len(report.venues) == 2
    assert_walks_equal_a_plain_scan(places, ("", "muong min", "cho", "s", "tram"))
    update = import_venues(
        "code,name,commune,address\nQS-SH-0100,Chợ Tam Lư,Sơn Hà,Bản Mìn\n",
        neighbour,
        update=True,
    )
    db.session.commit()
    assert update.applied and len(update.updated) == 1
    assert_walks_equal_a_plain_scan(places, ("", "muong min", "cho tam", "s"))
    with search_index.bulk_load(db.session.connection()):
        db.session.execute(
            Venue.__table__.insert(),
            [
                {
                    "code": f"QS-BULK-{n}",
                    "name": f"Chợ Bình An {n}",
                    "venue_type": "market",
                    "address": "",
                    "commune_id": son_ha.id,
                    "is_active": n != 1,
                    "search_key": f"cho binh an {n} qs-bulk-{n}",
                    "contact_name": "",
                    "contact_phone": "",
                    "qr_payload": "",
                }
                for n in range(3)
            ],
        )
    db.session.commit()
    search_index.rebuild_search_index()
    db.session.commit()
    assert_walks_equal_a_plain_scan(places, ("", "cho", "binh an", "s"))


@pytest.mark.parametrize(
    "query",
    [
        "&",
        "|",
        ":*",
        "!",
        "'",
        "\\",
        '"',
        "son & ha",
        "son:* | ha",
        "!son",
        "'son' ha'",
        'son" OR "ha',
        "NEAR(son ha)",
        "son*",
        "^son",
        "place:d1",
        "words:son",
        "(son",
        "son)",
        "\\'; DROP TABLE venue; --",
        "- -- ---",
    ],
)
def test_no_typed_text_breaks_the_index_syntax(random_venues, places, query):
    districts = scope_ids(places, "two_provinces")
    expected = reference(all_venues(), districts, query)
    found = search_venues(districts, query, page_size=400)
    assert ids(found.venues) == ids(expected[:400])


@pytest.mark.parametrize("query", ["😀", "...", " - ", "?!", "“”"])
@pytest.mark.parametrize("scope", SCOPES)
def test_a_search_with_no_letter_or_digit_finds_nothing(random_venues, places, query, scope):
    """Whichever way the search goes (a district's, a province's or wider; the index's
    table of keys or the venues): an emoji or punctuation alone is not "no search"."""
    districts = scope_ids(places, scope)
    found = search_venues(districts, query)
    assert found.venues == [] and found.total == 0 and found.nothing_to_match
    commune = commune_named(places["quan_son"], "Sơn Lư")
    filtered = search_venues(districts, query, commune_id=commune.id, venue_type="market")
    assert filtered.venues == [] and filtered.nothing_to_match
    everything = search_venues(districts, "  ")
    assert everything.total > 0 and not everything.nothing_to_match


def test_the_district_token_is_not_a_word(app, places, make_venue):
    """The index's district tokens (d<id> on SQLite) are not words a search finds."""
    quan_son = places["quan_son"]
    make_venue("Chợ Sơn Hà", code="QS-1")
    assert search_venues(quan_son.id, f"d{quan_son.id}").venues == []
    assert search_venues(quan_son.id, "d").venues == []


def test_a_registered_venue_is_found_at_once(app, places, make_user):
    quan_son = places["quan_son"]
    venue = register_venue(
        commune_named(quan_son, "Sơn Hà"),
        make_user(),
        name="Quán Phở Mường Xía",
        venue_type="shop",
        address="Bản Xía",
    )
    db.session.commit()
    assert search_venues(quan_son.id, "pho muong").venues == [venue]
    assert search_venues(quan_son.id, venue.code.lower()).venues == [venue]


def test_an_edited_venue_is_found_by_its_new_name_only(app, places, make_venue):
    quan_son = places["quan_son"]
    venue = make_venue("Chợ Sơn Hà", code="QS-SH-0001", address="Bản Na Hồ")
    venue.name, venue.address = "Siêu thị Bình Minh", "Khu 4"
    db.session.commit()
    assert search_venues(quan_son.id, "cho son").venues == []
    assert search_venues(quan_son.id, "na ho").venues == []
    assert search_venues(quan_son.id, "binh minh khu 4").venues == [venue]
    venue.code = "QS-SL-0777"
    db.session.commit()
    assert search_venues(quan_son.id, "0001").venues == []
    assert search_venues(quan_son.id, "sl-0777").venues == [venue]


def test_a_closed_or_merged_venue_leaves_the_results(app, places, make_venue, make_user):
    quan_son = places["quan_son"]
    keep = make_venue("Chợ Sơn Hà", code="QS-1")
    drop = make_venue("Chợ Sơn Hà mới", code="QS-2")
    closed = make_venue("Chợ Sơn Hà cũ", code="QS-3")
    merge(keep, drop, make_user(role="admin", username="admin"))
    closed.is_active = False
    db.session.commit()
    assert search_venues(quan_son.id, "cho son ha").venues == [keep]
    closed.is_active = True  # reopened
    db.session.commit()
    assert search_venues(quan_son.id, "cho son ha").venues == [closed, keep]  # "cu" < "qs-1"


def test_a_venue_moved_to_another_commune_or_deleted_follows(app, places, make_venue):
    quan_son, neighbour = places["quan_son"], places["neighbour"]
    venue = make_venue("Nhà văn hóa Bản Bơ", code="QS-9")
    venue.commune = neighbour.communes[0]
    db.session.commit()
    assert search_venues(quan_son.id, "nha van hoa").venues == []
    assert search_venues(neighbour.id, "nha van hoa").venues == [venue]
    db.session.delete(venue)
    db.session.commit()
    assert search_venues(neighbour.id, "nha van hoa").venues == []


def test_a_commune_moved_to_another_district_takes_its_venues(app, places, make_venue):
    quan_son, other = places["quan_son"], places["other"]
    commune = commune_named(quan_son, "Trung Xuân")
    venue = make_venue("Trường THCS Trung Xuân", commune=commune, code="QS-TX-1")
    commune.district_id = other.id
    db.session.commit()
    assert search_venues(quan_son.id, "truong thcs").venues == []
    assert search_venues(other.id, "truong thcs").venues == [venue]


def test_imported_venues_are_found_and_updates_follow(app, places):
    quan_son = places["quan_son"]
    report = import_venues(
        "code,name,commune,address\n"
        "QS-SH-0100,Chợ Mường Mìn,Sơn Hà,Bản Mìn\n"
        "QS-SH-0101,Trạm Y tế xã Sơn Hà,Sơn Hà,Bản Hạ\n",
        quan_son,
    )
    db.session.commit()
    assert report.applied and len(report.venues) == 2
    assert ids(search_venues(quan_son.id, "muong min").venues) == [report.venues[0].id]
    assert ids(search_venues(quan_son.id, "0101").venues) == [report.venues[1].id]
    update = import_venues(
        "code,name,commune,address\nQS-SH-0100,Chợ Tam Lư,Sơn Hà,Bản Mìn\n",
        quan_son,
        update=True,
    )
    db.session.commit()
    assert update.applied and len(update.updated) == 1
    assert search_venues(quan_son.id, "muong min").venues == []
    assert ids(search_venues(quan_son.id, "cho tam lu").venues) == [report.venues[0].id]


def test_the_demo_venues_are_all_in_the_index(app):
    seed_demo()
    db.session.commit()
    district = db.session.scalar(select(District).where(District.name == "Quan Sơn"))
    expected = reference(all_venues(), [district.id], "")
    found = search_venues(district.id, "", page_size=len(expected) + 1)
    assert ids(found.venues) == ids(expected) and len(expected) > 100
    assert ids(search_venues(district.id, "tram y te", page_size=500).venues) == ids(
        reference(all_venues(), [district.id], "tram y te")
    )


def test_the_rebuild_command_restores_the_index(app, random_venues, places):
    districts = scope_ids(places, "two_provinces")
    expected = ids(reference(all_venues(), districts, "son")[:30])
    if db.engine.dialect.name == "sqlite":
        # Written around the triggers, as a bulk load could: the index loses the rows.
        db.session.execute(text(f"DELETE FROM {WORD_TABLE}"))
        db.session.commit()
        assert search_venues(districts, "son").venues == []
    result = app.test_cli_runner().invoke(args=["search-index-rebuild"])
    assert result.exit_code == 0, result.output
    active = sum(1 for venue in all_venues() if venue.is_active)
    assert f"Rebuilt the venue search index: {active} active venues." in result.output
    assert ids(search_venues(districts, "son").venues) == expected and expected


def test_a_bulk_load_is_indexed_by_the_rebuild_and_leaves_the_triggers_on(app, places, make_venue):
    """Venues written inside `bulk_load` (as the benchmarks' bulk loads do) are found once
    the index is rebuilt; afterwards each venue is indexed as it is written again."""
    quan_son = places["quan_son"]
    commune = commune_named(quan_son, "Sơn Hà")
    with search_index.bulk_load(db.session.connection()):
        db.session.execute(
            Venue.__table__.insert(),
            [
                {
                    "code": f"QS-BULK-{n}",
                    "name": f"Nhà nghỉ Bình An {n}",
                    "venue_type": "shop",
                    "address": "",
                    "commune_id": commune.id,
                    "is_active": True,
                    "search_key": f"nha nghi binh an {n} qs-bulk-{n}",
                    "contact_name": "",
                    "contact_phone": "",
                    "qr_payload": "",
                }
                for n in range(3)
            ],
        )
    db.session.commit()
    search_index.rebuild_search_index()
    db.session.commit()
    assert [v.code for v in search_venues(quan_son.id, "binh an").venues] == [
        "QS-BULK-0",
        "QS-BULK-1",
        "QS-BULK-2",
    ]
    after = make_venue("Nhà nghỉ Bình Minh", code="QS-AFTER")
    assert search_venues(quan_son.id, "binh minh").venues == [after]


@pytest.mark.parametrize(
    ("locale", "count"), [("vi", "Hơn 3 địa điểm"), ("en", "More than 3 venues")]
)
def test_more_than_the_cap_says_so_and_pages_on(
    app, client, login, places, make_venue, monkeypatch, locale, count
):
    monkeypatch.setattr(service, "COUNT_CAP", 3)
    monkeypatch.setitem(app.config, "SEARCH_PAGE_SIZE", 2)
    for n in range(5):
        make_venue(f"Chợ số {n}", code=f"QS-C-{n}")
    login(locale=locale)
    fragment = client.get("/venues?q=cho", headers={"HX-Request": "true"})
    assert count in fragment.get_data(as_text=True)
    assert count in client.get("/venues?q=cho").get_data(as_text=True)
    assert "page=2" in fragment.get_data(as_text=True)  # the infinite scroll goes on
    # Past the cap: the third page holds the fifth venue, and no further page is offered.
    rows = client.get("/venues?q=cho&page=3", headers={"HX-Request": "true"})
    assert rows.status_code == 200 and "Chợ số 4" in rows.get_data(as_text=True)
    assert "page=4" not in rows.get_data(as_text=True)


@pytest.mark.parametrize(
    ("locale", "count"), [("vi", "Hơn 1.000 địa điểm"), ("en", "More than 1,000 venues")]
)
def test_the_cap_is_written_in_the_users_numbers(app, locale, count):
    results = service.VenueSearch([], 1000, 1, 30, total_capped=True)
    with app.test_request_context(), force_locale(locale):
        html = render_template("venues/_results.html", results=results, filters={"q": "c"})
    assert count in html


def test_an_unknown_or_empty_scope_finds_nothing(app, places, make_venue):
    make_venue("Chợ Sơn Hà", code="QS-1")
    assert search_venues([999_999], "cho").venues == []
    assert search_venues([], "cho").venues == []

"""How venue search matches, and the word index that makes it fast on both engines.

The rule: every word typed (folded by `fieldapp.text.search_terms`; a "word" with no
letter or digit, such as "-", is ignored) must start a word of the venue's search key
(its folded name, code and address), where a hyphen also starts a word, so "0042" finds
the code QS-SH-0042 and "qs-sh-0042" finds it too. Inside a word, "ha" does not find
"khách". `term_matches` is that rule in SQL, checked on every row a search returns.

The index only narrows the rows to check, quickly (`narrowed`):

- SQLite: the FTS5 table `venue_search` (one row per ACTIVE venue, rowid = venue.id):
  column `words` holds the search key, tokenised by unicode61 (letters and digits; '-'
  separates), with prefix indexes of 1 to 4 characters; column `place` holds the token
  `d<district id>`, so a district's search never walks the country's matches. Triggers
  made by the migration keep it in step with `venue` (insert, update of the search key,
  the active flag or the commune, delete) and with a commune moved to another district.
  Beside it the plain table `venue_search_keys` (venue_id, search_key, district_id,
  province_id), one row per active venue kept by triggers likewise, with b-trees on
  (district, key) and (province, key): a large result's page is read in key order over
  the scope's rows alone (migration e8d7f9a0b1c3).
- PostgreSQL: the table `venue_search` (venue_id, words tsvector, GIN index), one row
  per ACTIVE venue kept by PL/pgSQL triggers likewise. Its lexemes are taken verbatim
  (`array_to_tsvector`, not the `simple` parser): the 1- to 8-letter starts of every word
  followed by '*' ("son" gives s*, so*, son*) and the district as @d<id>. A word typed is
  looked up by its first eight letters (`'son*' & 'ha*' & ('@d12' | '@d13')`): exact GIN
  entries, so a one-letter search does not make PostgreSQL read every "s..." word of the
  country (a prefix query `s:*` does, in full, before any LIMIT); the rest of the word
  is checked by `term_matches`. Each word lexeme is there twice: as is, and with the
  venue's bucket (its id modulo 16: 'son*#5'). A search wider than a district asks
  bucket 0, then 1, ... (a sixteenth of the lists each) and stops once the count cap is
  reached: two common words typed together no longer intersect two lists of hundreds of
  thousands of venues; a smaller result is finished from the plain lexemes (migration
  e8d7f9a0b1c3).

THIS MODULE IS THE ONE PLACE WITH ENGINE-SPECIFIC SQL FOR VENUE SEARCH (`narrowed`,
`rebuild_search_index`, and the migrations 5e4c1f0a9b13, 8a5e7c9d1f43 and e8d7f9a0b1c3
that make the index).
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    column,
    func,
    literal,
    or_,
    select,
    table,
    text,
)

from fieldapp.extensions import db
from fieldapp.models import District, Venue
from fieldapp.text import search_terms

# SQLite's FTS5 table, and the names of the shadow tables SQLite makes for it: none of
# them is a model; the migrations' comparison with the models leaves them out.
WORD_TABLE = "venue_search"
_SHADOWS = ("data", "idx", "content", "docsize", "config")
# And its table of search keys and places, with their b-trees (migration e8d7f9a0b1c3).
KEY_TABLE = "venue_search_keys"
SQLITE_WALKS = frozenset({"ix_venue_search_keys_district", "ix_venue_search_keys_province"})
SQLITE_NAMES = frozenset(
    {WORD_TABLE, KEY_TABLE, *(f"{WORD_TABLE}_{shadow}" for shadow in _SHADOWS)}
)
# PostgreSQL: a plain table of the same name (its primary key is venue_id) and its GIN
# index, kept by triggers; not models either.
POSTGRESQL_INDEX = "ix_venue_search_words"
# And its b-tree indexes on (place, search key): a scope's matches read in key order from
# the index alone (migration 8a5e7c9d1f43).
POSTGRESQL_WALKS = frozenset(
    {"ix_venue_search_district_walk", "ix_venue_search_province_walk", "ix_venue_search_walk"}
)
# PostgreSQL's trigger that indexes each venue inserted (made by the migration).
POSTGRESQL_INSERT_TRIGGER = "venue_search_insert"
SCHEMA_NAMES = SQLITE_NAMES | SQLITE_WALKS | {POSTGRESQL_INDEX} | POSTGRESQL_WALKS

# Above this many place tokens (a national scope) the scope is not worth giving to the
# index (an OR of many tokens is slow on both engines): it is checked on the venues.
PLACE_FILTER_MAX = 8
# Above this many districts (a national scope) the scope's places are read from every
# district, quicker than picking them out by hundreds of ids; and a scope of every
# district then needs no filter at all.
EVERY_DISTRICT_READ_ABOVE = 32
# PostgreSQL's lexemes hold the starts of every word up to this many letters.
PREFIX_LEXEMES = 8
# PostgreSQL: the venues' buckets (id modulo BUCKETS) in the lexemes. A search wider than
# a district asks bucket 0, then 1, 2, ... one at a time (a sixteenth of the work each)
# while, at the rate found so far, the first BUCKET_ROUNDS buckets reach the count cap;
# else the plain lexemes give the other buckets' venues in one statement.
BUCKETS = 16
BUCKET_ROUNDS = 4

_ALNUM = re.compile(r"[0-9a-z]+")
_words = table(WORD_TABLE, column("rowid"))
_KEY_COLUMNS = ("venue_id", "search_key", "district_id", "province_id")
_pg_words = table(WORD_TABLE, *(column(name) for name in _KEY_COLUMNS))
_sqlite_keys = table(KEY_TABLE, *(column(name) for name in _KEY_COLUMNS))


def is_search_index(name: str | None) -> bool:
    """Whether a table or index is the search index's (the migrations' comparison with
    the models skips them: they are made and kept by the migration and its triggers)."""
    return name in SCHEMA_NAMES


def query_terms(query: str | None) -> list[str]:
    """The words of a search that take part in matching: folded, with a letter or digit."""
    return [term for term in search_terms(query) if _ALNUM.search(term)]


def nothing_to_match(query: str | None) -> bool:
    """Whether a search was typed with no word to match (only emoji or punctuation): it
    finds nothing, rather than acting as no search at all."""
    return bool((query or "").strip()) and not query_terms(query)


def term_matches(term: str, key=Venue.search_key) -> ColumnElement[bool]:
    """A word typed starts a word of the search key (after its start, a space or '-')."""
    return or_(key.like(f"{term}%"), key.like(f"% {term}%"), key.like(f"%-{term}%"))


def starts_with_phrase(terms: list[str], key=Venue.search_key) -> ColumnElement[bool]:
    """The search key (so the name) starts with the words as typed: a range of the index
    on `search_key`, since the key holds only [0-9a-z -] and '{' sorts after them."""
    phrase = " ".join(terms)
    return and_(key >= phrase, key < phrase + "{")


def rank(terms: list[str], key=Venue.search_key) -> ColumnElement[int]:
    """0 for a search key (so a name) starting with the words as typed, 1 when they start
    another word of it, 2 otherwise: results come in this order, then by search key."""
    if not terms:
        return literal(0)
    phrase = " ".join(terms)
    return case(
        (key.like(f"{phrase}%"), 0),
        (key.like(f"% {phrase}%"), 1),
        else_=2,
    )


def _parts(terms: list[str]) -> list[str]:
    """The letter-and-digit runs of the words: what both indexes hold as tokens."""
    return [part for term in terms for part in _ALNUM.findall(term)]


def matching(stmt: Select, terms: list[str], key=Venue.search_key) -> Select:
    """The statement (a select of Venue) kept to venues that match every word, by the
    rule alone (`term_matches`, no index): for reading along the search key's index."""
    return stmt.where(*(term_matches(term, key) for term in terms))


@dataclass(frozen=True)
class SearchScope:
    """Where a search looks, worked out once per search: its districts; the index's tokens
    for them (p<id> for each province whose districts are all in it, d<id> for the other
    districts; [] when none of them exists; None when there are too many to be worth asking
    the index: a national scope's venues are checked on the rows instead); and whether it
    is every district."""

    district_ids: tuple[int, ...]
    tokens: list[str] | None
    everywhere: bool = False


def search_scope(district_ids: list[int]) -> SearchScope:
    wanted = set(district_ids)
    if not wanted:
        return SearchScope((), [])
    if len(wanted) == 1:  # a district's users, the most of them: no need to ask
        return SearchScope(tuple(wanted), [f"d{int(district_ids[0])}"])
    districts = select(District.id, District.province_id)
    every_district_read = len(wanted) > EVERY_DISTRICT_READ_ABOVE
    if not every_district_read:
        districts = districts.where(
            District.province_id.in_(select(District.province_id).where(District.id.in_(wanted)))
        )
    provinces: dict[int, list[int]] = {}
    for district_id, province_id in db.session.execute(districts):
        provinces.setdefault(province_id, []).append(district_id)
    everywhere = every_district_read and wanted == {
        district_id for ids in provinces.values() for district_id in ids
    }
    tokens = []
    for province_id, districts_of in sorted(provinces.items()):
        if wanted.issuperset(districts_of):
            tokens.append(f"p{province_id}")
        else:
            tokens += [f"d{district_id}" for district_id in sorted(wanted & set(districts_of))]
    return SearchScope(
        tuple(sorted(wanted)), tokens if len(tokens) <= PLACE_FILTER_MAX else None, everywhere
    )


def narrowed(stmt: Select, terms: list[str], scope: "SearchScope") -> Select:
    """The statement (a select of Venue of the scope's districts) kept to the venues that match
    every word, through the word index. Engine-specific: SQLite FTS5 or PostgreSQL GIN.

    The index's tokens come from `_parts`, so they hold only [0-9a-z]: nothing typed can
    reach the FTS5 or tsquery syntax (they are quoted all the same)."""
    places = scope.tokens
    if places == []:  # no district, or none that exists
        return stmt.where(literal(False))
    if db.engine.dialect.name == "postgresql":
        _plan_each_search()
        search_words, inexact = _tsquery(terms, places)
        stmt = matching(stmt, inexact)
        if search_words is None:
            return stmt
        return stmt.join(_pg_words, _pg_words.c.venue_id == Venue.id).where(
            _words_match(search_words)
        )
    clauses = [f'words : "{part}"*' for part in _parts(terms)]
    if places:
        clauses.insert(0, "(" + " OR ".join(f'place : "{token}"' for token in places) + ")")
    stmt = matching(stmt, terms)
    if not clauses:
        return stmt
    return stmt.join(_words, _words.c.rowid == Venue.id).where(
        text(f"{WORD_TABLE} MATCH :search_words").bindparams(search_words=" AND ".join(clauses))
    )


def _tsquery(
    terms: list[str], places: list[str] | None, buckets: tuple[int, ...] = ()
) -> tuple[str | None, list[str]]:
    """PostgreSQL: the tsquery of a search ('son*' & 'ha*' & ('@d12' | '@d13')), None when
    nothing is asked of the index, and the words it cannot check exactly. A word of letters
    and digits up to PREFIX_LEXEMES long is exactly a lexeme; the others (longer, or
    holding '-') are looked up by their parts' starts and checked by the rule, which
    PostgreSQL's planner cannot estimate: only they carry it. With `buckets`, the venues
    of those buckets only (('son*#2' | 'son*#3') & ('ha*#2' | 'ha*#3'): a venue's
    lexemes all carry its one bucket)."""
    lexemes = [f"'{part[:PREFIX_LEXEMES]}*'" for part in _parts(terms)]
    if buckets:
        lexemes = [
            "(" + " | ".join(f"{lexeme[:-1]}#{bucket}'" for bucket in buckets) + ")"
            for lexeme in lexemes
        ]
    if places:
        lexemes.insert(0, "(" + " | ".join(f"'@{token}'" for token in places) + ")")
    inexact = [t for t in terms if not t.isalnum() or len(t) > PREFIX_LEXEMES]
    return (" & ".join(lexemes) if lexemes else None), inexact


def _words_match(search_words: str) -> ColumnElement[bool]:
    return text("venue_search.words @@ CAST(:search_words AS tsquery)").bindparams(
        search_words=search_words
    )


def _plan_each_search() -> None:
    """PostgreSQL only. psycopg prepares a statement run five times, and PostgreSQL may
    then plan it once for any words (a generic plan): one that scans the country for
    "xyz". Plan each search for its own words. And the tables are in memory (or on SSD):
    with the default cost of a random read (4) the planner reads all venues in sequence
    rather than look up the few hundred the index found."""
    db.session.execute(
        text("SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL random_page_cost = 1.1")
    )


def key_order_parts(terms: list[str], key=Venue.search_key) -> list[ColumnElement[bool] | None]:
    """The search's order read along an index on the search key, in three ranges: names
    starting with the words first, then the keys before them, then those after (the
    phrase's second rank is not kept apart at this size). [None]: no words, one range."""
    if not terms:
        return [None]
    phrase = " ".join(terms)
    return [starts_with_phrase(terms, key), key < phrase, key >= phrase + "{"]


# PostgreSQL: a scope's search from the index table alone -----------------------------------
# Its rows hold each active venue's search key, district and province as well as its
# lexemes (migration 8a5e7c9d1f43), so a search without a commune or type filter never
# reads the venues until the page's thirty: the count and the ranks come from the rows the
# GIN index finds, and a large result's page from a b-tree walk in key order over the
# scope's entries (an index-only scan: the rule is checked on the keys in the index).
# SQLite keeps the same columns in `venue_search_keys` (migration e8d7f9a0b1c3): its FTS5
# table gives the count, and a district's or a province's large result its page from
# that table's b-trees (`walks_in_index`, `indexed_walk`).


def keys_in_index() -> bool:
    """Whether the word index holds the venues' search keys and places (PostgreSQL)."""
    return db.engine.dialect.name == "postgresql"


def indexed_keys(terms: list[str], scope: SearchScope, limit: int) -> list[tuple]:
    """(rank, search key, venue id) of up to `limit` active venues of the scope that
    match every word, in no order. PostgreSQL only (`keys_in_index`).

    Beyond a district, the word index is asked bucket by bucket first (`BUCKET_ROUNDS`)
    and stops at `limit`: when many venues match (two common words typed together), a
    few sixteenths of the word lists give them; a smaller result is finished from the
    plain lexemes."""
    tokens = scope.tokens
    if tokens == []:  # no district, or none that exists
        return []
    _plan_each_search()
    words = _pg_words.c
    search_words, inexact = _tsquery(terms, tokens)
    conditions = [term_matches(term, words.search_key) for term in inexact]
    if not tokens and not scope.everywhere:
        conditions.append(words.district_id.in_(scope.district_ids))
    query = select(rank(terms, words.search_key), words.search_key, words.venue_id)
    if search_words is not None:
        conditions.append(_words_match(search_words))
    if search_words is None or not _parts(terms) or len(scope.district_ids) == 1:
        return db.session.execute(query.where(*conditions).limit(limit)).all()
    rows: list[tuple] = []
    asked: list[int] = []
    while len(asked) < BUCKET_ROUNDS:
        if asked and len(rows) * BUCKET_ROUNDS < limit * len(asked):
            break  # at this rate the first buckets will not reach the limit
        asked.append(len(asked))
        in_bucket, _ = _tsquery(terms, tokens, (asked[-1],))
        found = query.where(*conditions[:-1], _words_match(in_bucket))
        rows += db.session.execute(found.limit(limit - len(rows))).all()
        if len(rows) >= limit:
            return rows
    others = (words.venue_id % BUCKETS).not_in(asked)
    found = query.where(*conditions, others).limit(limit - len(rows))
    return rows + db.session.execute(found).all()


def walks_in_index(scope: SearchScope) -> bool:
    """Whether a large result's page of this scope is read from the index's table of keys
    (`indexed_walk`): always on PostgreSQL; on SQLite for a scope of place tokens (a
    district, a province, a few of them), not the nation (whose walk along the venues'
    search key needs no place checked)."""
    return keys_in_index() or bool(scope.tokens)


def _key_table():
    """The table of active venues' search keys and places: PostgreSQL's word index table
    holds them; SQLite's are in `venue_search_keys`."""
    return _pg_words if keys_in_index() else _sqlite_keys


def _walk_places(scope: SearchScope) -> list[ColumnElement[bool]] | None:
    """The scope as conditions on the key table's place columns, which its b-trees start
    with, each read in key order and merged: one on PostgreSQL (an OR of places, which
    its planner walks in order), one per place token on SQLite (whose planner would read
    an OR of places whole and sort it); None for no district that exists."""
    tokens = scope.tokens
    if tokens == []:
        return None
    words = _key_table().c
    if tokens and (len(tokens) == 1 or not keys_in_index()):
        return [
            (words.province_id if token[0] == "p" else words.district_id) == int(token[1:])
            for token in tokens
        ]
    if tokens:
        return [
            or_(
                words.province_id.in_([int(t[1:]) for t in tokens if t[0] == "p"]),
                words.district_id.in_([int(t[1:]) for t in tokens if t[0] == "d"]),
            )
        ]
    return [literal(True) if scope.everywhere else words.district_id.in_(scope.district_ids)]


def names_starting(terms: list[str], scope: SearchScope, limit: int) -> int:
    """How many active venues of the districts have a search key (so a name) starting with
    the words as typed, counted up to `limit`: each of them matches every word, so when
    they reach the limit the result is large without asking the word index (which, for
    common words typed together nationally, intersects lists of hundreds of thousands of
    venues). An index-only scan of the scope's b-tree. PostgreSQL only (`keys_in_index`)."""
    places = _walk_places(scope)
    if places is None or not terms:
        return 0
    where = places[0]
    words = _pg_words.c
    starting = (
        select(words.venue_id)
        .where(where, starts_with_phrase(terms, words.search_key))
        .limit(limit)
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(starting))


def indexed_walk(terms: list[str], scope: SearchScope, offset: int, count: int) -> list[int]:
    """The ids of the venues at `offset` to `offset + count` of a large result in the
    search's order, read along the key table's b-trees of the scope's places (an
    index-only walk: the rule is checked on the keys in the index). `walks_in_index`."""
    places = _walk_places(scope)
    if places is None:
        return []
    keys = _key_table().c
    wanted = offset + count
    ids: list[int] = []
    for part in key_order_parts(terms, keys.search_key):
        if len(ids) >= wanted:
            break
        need = wanted - len(ids)
        found = []
        for place in places:
            walk = matching(
                select(keys.search_key, keys.venue_id).where(place), terms, keys.search_key
            )
            if part is not None:
                walk = walk.where(part)
            found += db.session.execute(walk.order_by(keys.search_key, keys.venue_id).limit(need))
        if len(places) > 1:  # SQLite's places merged (its binary order is Python's)
            found = sorted(found)[:need]
        ids += [venue_id for _, venue_id in found]
    return ids[offset:wanted]


@contextmanager
def bulk_load(connection):
    """Around a bulk insert of venues that `rebuild_search_index()` follows: PostgreSQL's
    per-row insert trigger is off meanwhile (indexing a million venues row by row takes
    minutes; the rebuild does it whole). SQLite's FTS5 triggers stay on: they cannot be
    switched off without dropping them. Engine-specific, like the rest of this module."""
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        connection.execute(text(f"ALTER TABLE venue DISABLE TRIGGER {POSTGRESQL_INSERT_TRIGGER}"))
    yield
    if postgresql:
        connection.execute(text(f"ALTER TABLE venue ENABLE TRIGGER {POSTGRESQL_INSERT_TRIGGER}"))


def rebuild_search_index() -> None:
    """Rebuild the whole word index from the venues (after bulk writes that bypassed it,
    or to compact it). Engine-specific. The caller commits."""
    if db.engine.dialect.name == "postgresql":
        # Filled first, indexed after: a GIN index built whole is quicker and compact.
        db.session.execute(text(f"DROP INDEX IF EXISTS {POSTGRESQL_INDEX}"))
        db.session.execute(text(f"TRUNCATE {WORD_TABLE}"))
        db.session.execute(
            text(
                f"INSERT INTO {WORD_TABLE}"
                " (venue_id, words, search_key, district_id, province_id)"
                " SELECT venue.id, venue_search_lexemes(venue.id,"
                " venue.search_key, commune.district_id, district.province_id),"
                " venue.search_key, commune.district_id, district.province_id"
                " FROM venue JOIN commune ON commune.id = venue.commune_id"
                " JOIN district ON district.id = commune.district_id"
                " WHERE venue.is_active"
            )
        )
        db.session.execute(
            text(
                f"CREATE INDEX {POSTGRESQL_INDEX} ON {WORD_TABLE} USING gin (words)"
                " WITH (fastupdate = off)"
            )
        )
        db.session.execute(text(f"ANALYZE {WORD_TABLE}"))
        db.session.execute(text("ANALYZE venue"))
        return
    db.session.execute(text(f"DELETE FROM {WORD_TABLE}"))
    db.session.execute(
        text(
            f"INSERT INTO {WORD_TABLE} (rowid, words, place)"
            " SELECT venue.id, venue.search_key,"
            " 'd' || commune.district_id || ' p' || district.province_id"
            " FROM venue JOIN commune ON commune.id = venue.commune_id"
            " JOIN district ON district.id = commune.district_id"
            " WHERE venue.is_active"
        )
    )
    db.session.execute(text(f"INSERT INTO {WORD_TABLE} ({WORD_TABLE}) VALUES ('optimize')"))
    db.session.execute(text(f"DELETE FROM {KEY_TABLE}"))
    db.session.execute(
        text(
            f"INSERT INTO {KEY_TABLE} (venue_id, search_key, district_id, province_id)"
            " SELECT venue.id, venue.search_key, commune.district_id, district.province_id"
            " FROM venue JOIN commune ON commune.id = venue.commune_id"
            " JOIN district ON district.id = commune.district_id"
            " WHERE venue.is_active"
        )
    )
    db.session.execute(text("ANALYZE"))

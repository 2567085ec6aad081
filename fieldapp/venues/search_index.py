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
- PostgreSQL: the table `venue_search` (venue_id, words tsvector, GIN index), one row
  per ACTIVE venue kept by PL/pgSQL triggers likewise. Its lexemes are taken verbatim
  (`array_to_tsvector`, not the `simple` parser): the 1- to 8-letter starts of every word
  followed by '*' ("son" gives s*, so*, son*) and the district as @d<id>. A word typed is
  looked up by its first eight letters (`'son*' & 'ha*' & ('@d12' | '@d13')`): exact GIN
  entries, so a one-letter search does not make PostgreSQL read every "s..." word of the
  country (a prefix query `s:*` does, in full, before any LIMIT); the rest of the word
  is checked by `term_matches`.

THIS MODULE IS THE ONE PLACE WITH ENGINE-SPECIFIC SQL FOR VENUE SEARCH (`narrowed`,
`rebuild_search_index`, and the migration 5e4c1f0a9b13 that creates the index).
"""

import re
from contextlib import contextmanager

from sqlalchemy import ColumnElement, Select, and_, case, column, literal, or_, select, table, text

from fieldapp.extensions import db
from fieldapp.models import District, Venue
from fieldapp.text import search_terms

# SQLite's FTS5 table, and the names of the shadow tables SQLite makes for it: none of
# them is a model; the migrations' comparison with the models leaves them out.
WORD_TABLE = "venue_search"
_SHADOWS = ("data", "idx", "content", "docsize", "config")
SQLITE_NAMES = frozenset({WORD_TABLE, *(f"{WORD_TABLE}_{shadow}" for shadow in _SHADOWS)})
# PostgreSQL: a plain table of the same name (its primary key is venue_id) and its GIN
# index, kept by triggers; not models either.
POSTGRESQL_INDEX = "ix_venue_search_words"
# PostgreSQL's trigger that indexes each venue inserted (made by the migration).
POSTGRESQL_INSERT_TRIGGER = "venue_search_insert"
SCHEMA_NAMES = SQLITE_NAMES | {POSTGRESQL_INDEX}

# Above this many place tokens (a national scope) the scope is not worth giving to the
# index (an OR of many tokens is slow on both engines): it is checked on the venues.
PLACE_FILTER_MAX = 8
# PostgreSQL's lexemes hold the starts of every word up to this many letters.
PREFIX_LEXEMES = 8

_ALNUM = re.compile(r"[0-9a-z]+")
_words = table(WORD_TABLE, column("rowid"))
_pg_words = table(WORD_TABLE, column("venue_id"))


def is_search_index(name: str | None) -> bool:
    """Whether a table or index is the search index's (the migrations' comparison with
    the models skips them: they are made and kept by the migration and its triggers)."""
    return name in SCHEMA_NAMES


def query_terms(query: str | None) -> list[str]:
    """The words of a search that take part in matching: folded, with a letter or digit."""
    return [term for term in search_terms(query) if _ALNUM.search(term)]


def term_matches(term: str) -> ColumnElement[bool]:
    """A word typed starts a word of the search key (after its start, a space or '-')."""
    key = Venue.search_key
    return or_(key.like(f"{term}%"), key.like(f"% {term}%"), key.like(f"%-{term}%"))


def starts_with_phrase(terms: list[str]) -> ColumnElement[bool]:
    """The search key (so the name) starts with the words as typed: a range of the index
    on `search_key`, since the key holds only [0-9a-z -] and '{' sorts after them."""
    phrase = " ".join(terms)
    return and_(Venue.search_key >= phrase, Venue.search_key < phrase + "{")


def rank(terms: list[str]) -> ColumnElement[int]:
    """0 for a search key (so a name) starting with the words as typed, 1 when they start
    another word of it, 2 otherwise: results come in this order, then by search key."""
    if not terms:
        return literal(0)
    phrase = " ".join(terms)
    return case(
        (Venue.search_key.like(f"{phrase}%"), 0),
        (Venue.search_key.like(f"% {phrase}%"), 1),
        else_=2,
    )


def _parts(terms: list[str]) -> list[str]:
    """The letter-and-digit runs of the words: what both indexes hold as tokens."""
    return [part for term in terms for part in _ALNUM.findall(term)]


def matching(stmt: Select, terms: list[str]) -> Select:
    """The statement (a select of Venue) kept to venues that match every word, by the
    rule alone (`term_matches`, no index): for reading along the search key's index."""
    return stmt.where(*(term_matches(term) for term in terms))


def place_tokens(district_ids: list[int]) -> list[str] | None:
    """The index's tokens for a scope: p<id> for each province whose districts are all in
    it, d<id> for the other districts; None when there are too many to be worth asking
    the index (a national scope: its venues are checked on the rows instead)."""
    wanted = set(district_ids)
    if len(wanted) == 1:  # a district's users, the most of them: no need to ask
        return [f"d{int(district_ids[0])}"]
    provinces: dict[int, list[int]] = {}
    for district_id, province_id in db.session.execute(
        select(District.id, District.province_id).where(
            District.province_id.in_(select(District.province_id).where(District.id.in_(wanted)))
        )
    ):
        provinces.setdefault(province_id, []).append(district_id)
    tokens = []
    for province_id, districts in sorted(provinces.items()):
        if wanted.issuperset(districts):
            tokens.append(f"p{province_id}")
        else:
            tokens += [f"d{district_id}" for district_id in sorted(wanted & set(districts))]
    return tokens if len(tokens) <= PLACE_FILTER_MAX else None


def narrowed(stmt: Select, terms: list[str], district_ids: list[int]) -> Select:
    """The statement (a select of Venue of these districts) kept to the venues that match
    every word, through the word index. Engine-specific: SQLite FTS5 or PostgreSQL GIN.

    The index's tokens come from `_parts`, so they hold only [0-9a-z]: nothing typed can
    reach the FTS5 or tsquery syntax (they are quoted all the same)."""
    if not district_ids:
        return stmt.where(literal(False))
    places = place_tokens(district_ids)
    if places == []:  # none of these districts exists
        return stmt.where(literal(False))
    if db.engine.dialect.name == "postgresql":
        # psycopg prepares a statement run five times, and PostgreSQL may then plan it once
        # for any words (a generic plan): one that scans the country for "xyz". Plan each
        # search for its own words. And the tables are in memory (or on SSD): with the
        # default cost of a random read (4) the planner reads all venues in sequence
        # rather than look up the few hundred the index found.
        db.session.execute(
            text("SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL random_page_cost = 1.1")
        )
        # A word of letters and digits up to PREFIX_LEXEMES long is exactly a lexeme; the
        # others (longer, or holding '-') are looked up by their parts' starts and checked
        # by the rule, which PostgreSQL's planner cannot estimate: only they carry it.
        lexemes = [f"'{part[:PREFIX_LEXEMES]}*'" for part in _parts(terms)]
        if places:
            lexemes.insert(0, "(" + " | ".join(f"'@{token}'" for token in places) + ")")
        inexact = [t for t in terms if not t.isalnum() or len(t) > PREFIX_LEXEMES]
        stmt = matching(stmt, inexact)
        if not lexemes:
            return stmt
        return stmt.join(_pg_words, _pg_words.c.venue_id == Venue.id).where(
            text("venue_search.words @@ CAST(:search_words AS tsquery)").bindparams(
                search_words=" & ".join(lexemes)
            )
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
                f"INSERT INTO {WORD_TABLE} (venue_id, words)"
                " SELECT venue.id, venue_search_lexemes("
                "venue.search_key, commune.district_id, district.province_id)"
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
    db.session.execute(text("ANALYZE"))

"""venue search at full national size: on SQLite a table of the active venues' search keys
and places, read in key order per district or province; on PostgreSQL the word lexemes a
second time in 16 buckets of venues, so a national search proves a large result from a
sixteenth of the lists

Revision ID: e8d7f9a0b1c3
Revises: a0f9b1c2d3e5
Create Date: 2026-12-01 14:30:00

Engine-specific, as the index it extends (fieldapp/venues/search_index.py).
"""

from alembic import op

revision = "e8d7f9a0b1c3"
down_revision = "a0f9b1c2d3e5"
branch_labels = None
depends_on = None

# SQLite: one row per active venue (its search key, district and province), kept by
# triggers beside the FTS5 table's, with a b-tree per kind of place: a province's or a
# district's matches read in key order from the index alone, without joining the communes
# (which made SQLite read and sort the scope's every venue: 35 ms a walk for a province).
_KEYS = "venue_search_keys (venue_id, search_key, district_id, province_id)"
SQLITE_UPGRADE = [
    """CREATE TABLE venue_search_keys (venue_id INTEGER PRIMARY KEY, search_key TEXT NOT NULL,
        district_id INTEGER NOT NULL, province_id INTEGER NOT NULL)""",
    f"""INSERT INTO {_KEYS}
        SELECT venue.id, venue.search_key, commune.district_id, district.province_id
        FROM venue JOIN commune ON commune.id = venue.commune_id
        JOIN district ON district.id = commune.district_id
        WHERE venue.is_active""",
    """CREATE INDEX ix_venue_search_keys_district
        ON venue_search_keys (district_id, search_key, venue_id)""",
    """CREATE INDEX ix_venue_search_keys_province
        ON venue_search_keys (province_id, search_key, venue_id)""",
    f"""CREATE TRIGGER venue_search_keys_insert AFTER INSERT ON venue WHEN NEW.is_active BEGIN
        INSERT INTO {_KEYS}
        SELECT NEW.id, NEW.search_key, commune.district_id, district.province_id
        FROM commune JOIN district ON district.id = commune.district_id
        WHERE commune.id = NEW.commune_id;
    END""",
    f"""CREATE TRIGGER venue_search_keys_update
        AFTER UPDATE OF search_key, is_active, commune_id ON venue BEGIN
        DELETE FROM venue_search_keys WHERE venue_id = OLD.id;
        INSERT INTO {_KEYS}
        SELECT NEW.id, NEW.search_key, commune.district_id, district.province_id
        FROM commune JOIN district ON district.id = commune.district_id
        WHERE commune.id = NEW.commune_id AND NEW.is_active;
    END""",
    """CREATE TRIGGER venue_search_keys_delete AFTER DELETE ON venue BEGIN
        DELETE FROM venue_search_keys WHERE venue_id = OLD.id;
    END""",
    """CREATE TRIGGER venue_search_keys_commune AFTER UPDATE OF district_id ON commune BEGIN
        UPDATE venue_search_keys SET district_id = NEW.district_id,
            province_id = (SELECT province_id FROM district WHERE id = NEW.district_id)
        WHERE venue_id IN (SELECT id FROM venue WHERE commune_id = NEW.id);
    END""",
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS venue_search_keys_commune",
    "DROP TRIGGER IF EXISTS venue_search_keys_delete",
    "DROP TRIGGER IF EXISTS venue_search_keys_update",
    "DROP TRIGGER IF EXISTS venue_search_keys_insert",
    "DROP TABLE IF EXISTS venue_search_keys",
]

# PostgreSQL: each word lexeme also with the venue's bucket (its id modulo 16): 'son*'
# and 'son*#5'. A national search asks bucket 0 first ('son*#0' & 'ha*#0', lists a
# sixteenth as long), and the others only while fewer than the count cap match.
_LEXEMES = """
        SELECT array_to_tsvector(array_agg(DISTINCT lexeme)) FROM (
            SELECT left(token, n) || '*' || suffix AS lexeme
            FROM regexp_split_to_table(search_key, '[^0-9a-z]+') AS token,
                generate_series(1, least(8, length(token))) AS n,
                (VALUES (''), ('#' || venue_id % 16)) AS buckets (suffix)
            WHERE token <> ''
            UNION ALL SELECT '@d' || district_id
            UNION ALL SELECT '@p' || province_id
        ) AS lexemes"""
_OLD_LEXEMES = """
        SELECT array_to_tsvector(array_agg(DISTINCT lexeme)) FROM (
            SELECT left(token, n) || '*' AS lexeme
            FROM regexp_split_to_table(search_key, '[^0-9a-z]+') AS token,
                generate_series(1, least(8, length(token))) AS n
            WHERE token <> ''
            UNION ALL SELECT '@d' || district_id
            UNION ALL SELECT '@p' || province_id
        ) AS lexemes"""
_ROW = "venue_id, words, search_key, district_id, province_id"


def _follow(lexemes_of_new: str, lexemes_of_venue: str) -> list[str]:
    """The triggers' functions (as 8a5e7c9d1f43 made them), calling the lexemes' function
    as given."""
    return [
        f"""CREATE OR REPLACE FUNCTION venue_search_follow() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                DELETE FROM venue_search WHERE venue_id = OLD.id;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                IF NEW.is_active THEN
                    INSERT INTO venue_search ({_ROW})
                    SELECT NEW.id, {lexemes_of_new},
                        NEW.search_key, commune.district_id, district.province_id
                    FROM commune JOIN district ON district.id = commune.district_id
                    WHERE commune.id = NEW.commune_id;
                END IF;
            END IF;
            RETURN NULL;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION venue_search_follow_commune() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM venue_search
            WHERE venue_id IN (SELECT id FROM venue WHERE commune_id = NEW.id);
            INSERT INTO venue_search ({_ROW})
            SELECT venue.id, {lexemes_of_venue},
                venue.search_key, NEW.district_id, district.province_id
            FROM venue JOIN district ON district.id = NEW.district_id
            WHERE venue.commune_id = NEW.id AND venue.is_active;
            RETURN NULL;
        END $$""",
    ]


def _refill(lexemes: str) -> list[str]:
    """Every row written again with its lexemes, as `rebuild_search_index()` does: the
    GIN index dropped first and built whole after (an UPDATE of a million rows in place
    takes longer and leaves the table twice its size until vacuumed)."""
    return [
        "DROP INDEX IF EXISTS ix_venue_search_words",
        "TRUNCATE venue_search",
        f"""INSERT INTO venue_search ({_ROW})
            SELECT venue.id, {lexemes},
                venue.search_key, commune.district_id, district.province_id
            FROM venue JOIN commune ON commune.id = venue.commune_id
            JOIN district ON district.id = commune.district_id
            WHERE venue.is_active""",
        """CREATE INDEX ix_venue_search_words ON venue_search USING gin (words)
            WITH (fastupdate = off)""",
        "ANALYZE venue_search",
    ]


POSTGRESQL_UPGRADE = [
    f"""CREATE FUNCTION venue_search_lexemes(
            venue_id integer, search_key text, district_id integer, province_id integer
        ) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $${_LEXEMES}
    $$""",
    *_follow(
        "venue_search_lexemes(NEW.id, NEW.search_key, commune.district_id, district.province_id)",
        "venue_search_lexemes(venue.id, venue.search_key, NEW.district_id, district.province_id)",
    ),
    "DROP FUNCTION venue_search_lexemes(text, integer, integer)",
    *_refill(
        "venue_search_lexemes(venue.id, venue.search_key, commune.district_id, district.province_id)"
    ),
]
POSTGRESQL_DOWNGRADE = [
    f"""CREATE FUNCTION venue_search_lexemes(
            search_key text, district_id integer, province_id integer
        ) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $${_OLD_LEXEMES}
    $$""",
    *_follow(
        "venue_search_lexemes(NEW.search_key, commune.district_id, district.province_id)",
        "venue_search_lexemes(venue.search_key, NEW.district_id, district.province_id)",
    ),
    "DROP FUNCTION venue_search_lexemes(integer, text, integer, integer)",
    *_refill("venue_search_lexemes(venue.search_key, commune.district_id, district.province_id)"),
]


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_UPGRADE if postgresql else SQLITE_UPGRADE:
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_DOWNGRADE if postgresql else SQLITE_DOWNGRADE:
        op.execute(statement)

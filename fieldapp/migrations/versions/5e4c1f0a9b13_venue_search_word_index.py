"""venue search word index: a table kept by triggers, FTS5 on SQLite, tsvector + GIN on PostgreSQL

Revision ID: 5e4c1f0a9b13
Revises: 8e975bb6fee8
Create Date: 2026-12-01 02:45:00

The rule and the queries live in fieldapp/venues/search_index.py; this migration is
engine-specific on purpose (an FTS5 virtual table and its triggers on SQLite, a
tsvector table with a GIN index and its PL/pgSQL triggers on PostgreSQL), like that module.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5e4c1f0a9b13"
down_revision = "8e975bb6fee8"
branch_labels = None
depends_on = None

# SQLite: an FTS5 table, one row per active venue: its search key (`words`), and its
# district and province as the tokens d<id> p<id> (`place`).
PLACE = "'d' || commune.district_id || ' p' || district.province_id"
SQLITE_UPGRADE = [
    """CREATE VIRTUAL TABLE venue_search USING fts5(words, place,
        tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2 3 4', detail = column)""",
    f"""INSERT INTO venue_search (rowid, words, place)
        SELECT venue.id, venue.search_key, {PLACE}
        FROM venue JOIN commune ON commune.id = venue.commune_id
        JOIN district ON district.id = commune.district_id
        WHERE venue.is_active""",
    f"""CREATE TRIGGER venue_search_insert AFTER INSERT ON venue WHEN NEW.is_active BEGIN
        INSERT INTO venue_search (rowid, words, place)
        SELECT NEW.id, NEW.search_key, {PLACE}
        FROM commune JOIN district ON district.id = commune.district_id
        WHERE commune.id = NEW.commune_id;
    END""",
    f"""CREATE TRIGGER venue_search_update
        AFTER UPDATE OF search_key, is_active, commune_id ON venue BEGIN
        DELETE FROM venue_search WHERE rowid = OLD.id;
        INSERT INTO venue_search (rowid, words, place)
        SELECT NEW.id, NEW.search_key, {PLACE}
        FROM commune JOIN district ON district.id = commune.district_id
        WHERE commune.id = NEW.commune_id AND NEW.is_active;
    END""",
    """CREATE TRIGGER venue_search_delete AFTER DELETE ON venue BEGIN
        DELETE FROM venue_search WHERE rowid = OLD.id;
    END""",
    f"""CREATE TRIGGER venue_search_commune AFTER UPDATE OF district_id ON commune BEGIN
        DELETE FROM venue_search WHERE rowid IN (SELECT id FROM venue WHERE commune_id = NEW.id);
        INSERT INTO venue_search (rowid, words, place)
        SELECT venue.id, venue.search_key, {PLACE}
        FROM venue JOIN commune ON commune.id = venue.commune_id
        JOIN district ON district.id = commune.district_id
        WHERE venue.commune_id = NEW.id AND venue.is_active;
    END""",
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS venue_search_commune",
    "DROP TRIGGER IF EXISTS venue_search_delete",
    "DROP TRIGGER IF EXISTS venue_search_update",
    "DROP TRIGGER IF EXISTS venue_search_insert",
    "DROP TABLE IF EXISTS venue_search",
]


# PostgreSQL: the same table, a tsvector per active venue of verbatim lexemes: every
# 1- to 8-letter start of each word of the search key followed by '*' ("son" gives s*,
# so*, son*), and the district and province as @d<id> @p<id>. A GIN index on it answers
# `'so*' & '@p5'` from exact entries (no prefix scan, which would read every "s..." word
# of the country before any LIMIT).
POSTGRESQL_UPGRADE = [
    """CREATE FUNCTION venue_search_lexemes(
            search_key text, district_id integer, province_id integer
        ) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT array_to_tsvector(array_agg(DISTINCT lexeme)) FROM (
            SELECT left(token, n) || '*' AS lexeme
            FROM regexp_split_to_table(search_key, '[^0-9a-z]+') AS token,
                generate_series(1, least(8, length(token))) AS n
            WHERE token <> ''
            UNION ALL SELECT '@d' || district_id
            UNION ALL SELECT '@p' || province_id
        ) AS lexemes
    $$""",
    "CREATE TABLE venue_search (venue_id integer PRIMARY KEY, words tsvector NOT NULL)",
    """INSERT INTO venue_search (venue_id, words)
        SELECT venue.id,
            venue_search_lexemes(venue.search_key, commune.district_id, district.province_id)
        FROM venue JOIN commune ON commune.id = venue.commune_id
        JOIN district ON district.id = commune.district_id
        WHERE venue.is_active""",
    # fastupdate off: no pending list that every search would read in full.
    "CREATE INDEX ix_venue_search_words ON venue_search USING gin (words) WITH (fastupdate = off)",
    """CREATE FUNCTION venue_search_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            DELETE FROM venue_search WHERE venue_id = OLD.id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            IF NEW.is_active THEN
                INSERT INTO venue_search (venue_id, words)
                SELECT NEW.id, venue_search_lexemes(
                    NEW.search_key, commune.district_id, district.province_id)
                FROM commune JOIN district ON district.id = commune.district_id
                WHERE commune.id = NEW.commune_id;
            END IF;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER venue_search_insert AFTER INSERT ON venue
        FOR EACH ROW EXECUTE FUNCTION venue_search_follow()""",
    """CREATE TRIGGER venue_search_update AFTER UPDATE OF search_key, is_active, commune_id
        ON venue FOR EACH ROW EXECUTE FUNCTION venue_search_follow()""",
    """CREATE TRIGGER venue_search_delete AFTER DELETE ON venue
        FOR EACH ROW EXECUTE FUNCTION venue_search_follow()""",
    """CREATE FUNCTION venue_search_follow_commune() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM venue_search
        WHERE venue_id IN (SELECT id FROM venue WHERE commune_id = NEW.id);
        INSERT INTO venue_search (venue_id, words)
        SELECT venue.id, venue_search_lexemes(venue.search_key, NEW.district_id, district.province_id)
        FROM venue JOIN district ON district.id = NEW.district_id
        WHERE venue.commune_id = NEW.id AND venue.is_active;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER venue_search_commune AFTER UPDATE OF district_id ON commune
        FOR EACH ROW EXECUTE FUNCTION venue_search_follow_commune()""",
]
POSTGRESQL_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS venue_search_commune ON commune",
    "DROP TRIGGER IF EXISTS venue_search_delete ON venue",
    "DROP TRIGGER IF EXISTS venue_search_update ON venue",
    "DROP TRIGGER IF EXISTS venue_search_insert ON venue",
    "DROP FUNCTION IF EXISTS venue_search_follow_commune()",
    "DROP FUNCTION IF EXISTS venue_search_follow()",
    "DROP TABLE IF EXISTS venue_search",
    "DROP FUNCTION IF EXISTS venue_search_lexemes(text, integer, integer)",
]


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_UPGRADE if postgresql else SQLITE_UPGRADE:
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_DOWNGRADE if postgresql else SQLITE_DOWNGRADE:
        op.execute(statement)

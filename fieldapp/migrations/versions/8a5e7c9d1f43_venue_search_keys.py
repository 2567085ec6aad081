"""venue search on PostgreSQL: the index table holds each venue's search key, district and
province, with b-tree indexes to read a scope's matches in key order without the venues

Revision ID: 8a5e7c9d1f43
Revises: 6f5d2a1b0c24
Create Date: 2026-12-01 05:40:00

Engine-specific, as the index it extends (fieldapp/venues/search_index.py): nothing on
SQLite, whose FTS5 search already meets its target.
"""

from alembic import op

revision = "8a5e7c9d1f43"
down_revision = "6f5d2a1b0c24"
branch_labels = None
depends_on = None

# What the triggers write for one venue: its lexemes and the columns the walks read.
_ROW = """venue_id, words, search_key, district_id, province_id"""

POSTGRESQL_UPGRADE = [
    """ALTER TABLE venue_search ADD COLUMN search_key text,
        ADD COLUMN district_id integer, ADD COLUMN province_id integer""",
    """UPDATE venue_search SET search_key = venue.search_key,
            district_id = commune.district_id, province_id = district.province_id
        FROM venue JOIN commune ON commune.id = venue.commune_id
        JOIN district ON district.id = commune.district_id
        WHERE venue.id = venue_search.venue_id""",
    f"""CREATE OR REPLACE FUNCTION venue_search_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            DELETE FROM venue_search WHERE venue_id = OLD.id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            IF NEW.is_active THEN
                INSERT INTO venue_search ({_ROW})
                SELECT NEW.id, venue_search_lexemes(
                    NEW.search_key, commune.district_id, district.province_id),
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
        SELECT venue.id, venue_search_lexemes(venue.search_key, NEW.district_id, district.province_id),
            venue.search_key, NEW.district_id, district.province_id
        FROM venue JOIN district ON district.id = NEW.district_id
        WHERE venue.commune_id = NEW.id AND venue.is_active;
        RETURN NULL;
    END $$""",
    # A district's or a province's matches in key order (index-only scans: the search
    # key is checked on the index's entries), and any other scope's through the INCLUDEd
    # district.
    """CREATE INDEX ix_venue_search_district_walk
        ON venue_search (district_id, search_key, venue_id)""",
    """CREATE INDEX ix_venue_search_province_walk
        ON venue_search (province_id, search_key, venue_id)""",
    """CREATE INDEX ix_venue_search_walk
        ON venue_search (search_key, venue_id) INCLUDE (district_id)""",
    "ANALYZE venue_search",
]

POSTGRESQL_DOWNGRADE = [
    "DROP INDEX IF EXISTS ix_venue_search_walk",
    "DROP INDEX IF EXISTS ix_venue_search_province_walk",
    "DROP INDEX IF EXISTS ix_venue_search_district_walk",
    """CREATE OR REPLACE FUNCTION venue_search_follow() RETURNS trigger LANGUAGE plpgsql AS $$
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
    """CREATE OR REPLACE FUNCTION venue_search_follow_commune() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM venue_search
        WHERE venue_id IN (SELECT id FROM venue WHERE commune_id = NEW.id);
        INSERT INTO venue_search (venue_id, words)
        SELECT venue.id, venue_search_lexemes(venue.search_key, NEW.district_id, district.province_id)
        FROM venue JOIN district ON district.id = NEW.district_id
        WHERE venue.commune_id = NEW.id AND venue.is_active;
        RETURN NULL;
    END $$""",
    """ALTER TABLE venue_search DROP COLUMN search_key, DROP COLUMN district_id,
        DROP COLUMN province_id""",
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_UPGRADE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_DOWNGRADE:
            op.execute(statement)

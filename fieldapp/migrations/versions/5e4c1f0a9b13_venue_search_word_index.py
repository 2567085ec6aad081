"""venue search word index: SQLite FTS5 table kept by triggers, PostgreSQL GIN on a tsvector

Revision ID: 5e4c1f0a9b13
Revises: 8e975bb6fee8
Create Date: 2026-12-01 02:45:00

The rule and the queries live in fieldapp/venues/search_index.py; this migration is
engine-specific on purpose (an FTS5 virtual table and its triggers on SQLite, an
expression GIN index on PostgreSQL), like that module.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5e4c1f0a9b13"
down_revision = "8e975bb6fee8"
branch_labels = None
depends_on = None

SQLITE_UPGRADE = [
    """CREATE VIRTUAL TABLE venue_search USING fts5(words, place,
        tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2', detail = column)""",
    """INSERT INTO venue_search (rowid, words, place)
        SELECT venue.id, venue.search_key, 'd' || commune.district_id
        FROM venue JOIN commune ON commune.id = venue.commune_id WHERE venue.is_active""",
    """CREATE TRIGGER venue_search_insert AFTER INSERT ON venue WHEN NEW.is_active BEGIN
        INSERT INTO venue_search (rowid, words, place)
        SELECT NEW.id, NEW.search_key, 'd' || commune.district_id FROM commune
        WHERE commune.id = NEW.commune_id;
    END""",
    """CREATE TRIGGER venue_search_update
        AFTER UPDATE OF search_key, is_active, commune_id ON venue BEGIN
        DELETE FROM venue_search WHERE rowid = OLD.id;
        INSERT INTO venue_search (rowid, words, place)
        SELECT NEW.id, NEW.search_key, 'd' || commune.district_id FROM commune
        WHERE commune.id = NEW.commune_id AND NEW.is_active;
    END""",
    """CREATE TRIGGER venue_search_delete AFTER DELETE ON venue BEGIN
        DELETE FROM venue_search WHERE rowid = OLD.id;
    END""",
    """CREATE TRIGGER venue_search_commune AFTER UPDATE OF district_id ON commune BEGIN
        DELETE FROM venue_search WHERE rowid IN (SELECT id FROM venue WHERE commune_id = NEW.id);
        INSERT INTO venue_search (rowid, words, place)
        SELECT venue.id, venue.search_key, 'd' || NEW.district_id FROM venue
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


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_venue_search_words ON venue"
            " USING gin (to_tsvector('simple', translate(search_key, '-', ' ')))"
        )
        return
    for statement in SQLITE_UPGRADE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_venue_search_words")
        return
    for statement in SQLITE_DOWNGRADE:
        op.execute(statement)

"""PostgreSQL: a text search configuration for French with accents folded.

`cesiq_french` is PostgreSQL's `french` configuration with `unaccent` run before the French
Snowball stemmer, so "équitable", "Équitables" and "equitable" give the same lexeme. Wagtail's
database search backend builds its index and its queries with it (WAGTAILSEARCH_BACKENDS
SEARCH_CONFIG in settings). After this migration on an existing database, run
`manage.py update_index` once so that the pages indexed before are indexed again with it.
Nothing to do on SQLite, which uses the fallback in search/engine.py.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'cesiq_french') THEN
        CREATE TEXT SEARCH CONFIGURATION cesiq_french (COPY = pg_catalog.french);
        ALTER TEXT SEARCH CONFIGURATION cesiq_french
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
"""
DROP = "DROP TEXT SEARCH CONFIGURATION IF EXISTS cesiq_french;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create, drop)]

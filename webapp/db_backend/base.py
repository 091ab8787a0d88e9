"""Django's PostgreSQL backend, with table introspection that lists the `input` and `audit`
schemas.

The app's tables live in the warehouse's `input` schema (db_table = 'input"."commentary'), where
dbt reads them; its record of role grants is audit.role_grants. Django's introspection only
lists tables on the search path, so flushing a test database (TransactionTestCase,
live_server) would miss them; this lists them under the quoted names the models use.
"""

from django.db.backends.postgresql import base, introspection

EXTRA_SCHEMAS = ("input", "audit")


class DatabaseIntrospection(introspection.DatabaseIntrospection):
    def get_table_list(self, cursor):
        tables = super().get_table_list(cursor)
        cursor.execute(
            """
            select n.nspname || '"."' || c.relname,
                   case when c.relkind in ('m', 'v') then 'v' else 't' end,
                   obj_description(c.oid, 'pg_class')
            from pg_catalog.pg_class c
            join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p', 'v', 'm') and n.nspname = any(%s)
            """,
            [list(EXTRA_SCHEMAS)],
        )
        return tables + [introspection.TableInfo(*row) for row in cursor.fetchall()]


class DatabaseWrapper(base.DatabaseWrapper):
    introspection_class = DatabaseIntrospection

"""Whether a table the app reads (built by dbt or the quality checks) exists yet."""

from django.db import connection


def table_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("select to_regclass(%s) is not null", [name])
        return cursor.fetchone()[0]

"""What the `bdc` commands share: readable errors, and what every command that touches the
warehouse does first."""

import functools
import os
import sys

import click
import psycopg

from orchestration.lib import environment
from orchestration.lib.warehouse import bootstrap

APP_MIGRATIONS = environment.REPO_ROOT / "webapp" / "officer" / "migrations"
FALLBACK_COLUMNS = (
    "measure_id, council_code, period_start, period_end, value, numerator, denominator, "
    "entered_by, status, confirmed_by, confirmed_at, updated_at"
)


class Abort(click.ClickException):
    """A failure worded for the person at the keyboard: what went wrong and what to do."""


# Raised on purpose by click or a command; never turned into a one-line error.
PASS_THROUGH = (
    click.ClickException,
    click.exceptions.Exit,
    click.exceptions.Abort,
    KeyboardInterrupt,
)


def friendly(command):
    """Turn expected errors into one or two lines; --debug shows the traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except PASS_THROUGH:
            raise
        except Exception as error:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            raise Abort(f"{error}\n(run with `bdc --debug ...` for the full traceback)") from error

    return wrapper


def warehouse_url(with_app: bool = False) -> str:
    """Start (if needed) and prepare the warehouse, and point this process at it.

    with_app: the commands that may run the pipeline or write officer input (db start, demo,
    run, ui, web) apply the officer app's migrations first (once): the app owns the input
    schema, and must make its tables before the pipeline makes its fallback. The read-only
    roles' passwords go into the environment too, so steps that connect as them (the public
    site reads publish.* as public_reader) find them as they would with a configured server.
    """
    from orchestration.lib import warehouse

    url = warehouse.ensure_url()
    passwords = warehouse.role_passwords()
    bootstrap.bootstrap(url, passwords)
    for role, password in passwords.items():
        os.environ.setdefault(f"BDC_{role.upper()}_PASSWORD", password)
    environment.activate(url)
    if with_app and not _app_migrated(url):
        migrate_app(url)
    return url


def setup_django(url: str) -> None:
    """Django configured for the officer app against this warehouse."""
    environment.activate(url)
    # webapp/ sits beside orchestration/ at the repository root.
    if str(environment.REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(environment.REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django

    django.setup()


def migrate_app(url: str) -> None:
    """Apply the officer app's migrations (its tables in input, its users and history).

    A pipeline run before the app's first migration leaves the fallback input.manual_values
    (lib/warehouse/sql/manual_values.sql) in the way; its rows move into the app's table.
    """
    setup_django(url)
    from django.core.management import call_command

    with psycopg.connect(url, autocommit=True) as conn:
        if not _app_migrated(url, "0001_initial") and _exists(conn, "input.manual_values"):
            bootstrap.ensure_manual_values(conn)  # an older fallback may lack a column
            conn.execute("alter table input.manual_values rename to manual_values_before_app")
    call_command("migrate", interactive=False, verbosity=0)
    with psycopg.connect(url) as conn:
        if _exists(conn, "input.manual_values_before_app"):
            conn.execute(
                f"insert into input.manual_values ({FALLBACK_COLUMNS}) "
                f"select {FALLBACK_COLUMNS} from input.manual_values_before_app"
            )
            conn.execute("drop table input.manual_values_before_app")


def _exists(conn: psycopg.Connection, table: str) -> bool:
    return conn.execute("select to_regclass(%s)", (table,)).fetchone()[0] is not None


def _app_migrated(url: str, migration: str | None = None) -> bool:
    """Whether the app's migration (default: its newest) is recorded; no Django import."""
    newest = migration or max(path.stem for path in APP_MIGRATIONS.glob("0*.py"))
    with psycopg.connect(url) as conn:
        if not _exists(conn, "public.django_migrations"):
            return False
        found = conn.execute(
            "select 1 from django_migrations where app = 'officer' and name = %s", (newest,)
        ).fetchone()
    return found is not None

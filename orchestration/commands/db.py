"""`bdc db start|stop|status|url`: the warehouse."""

import sys

import click

from orchestration.commands.common import Abort, friendly, warehouse_url


@click.group("db")
def db() -> None:
    """The warehouse: a private local PostgreSQL unless BDC_WAREHOUSE_URL is set."""


@db.command("start")
@friendly
def db_start() -> None:
    """Create (once) and start the private warehouse; set up schemas and roles."""
    from orchestration.lib import warehouse

    where = "configured server" if warehouse.configured_url() else "private cluster"
    url = warehouse_url(with_app=True)
    click.echo(f"Warehouse ready ({where}): {redact(url)}")


@db.command("stop")
@friendly
def db_stop() -> None:
    """Stop the private warehouse (its data stays)."""
    from orchestration.lib import warehouse

    if warehouse.configured_url():
        click.echo("BDC_WAREHOUSE_URL is set: that server is not managed here; nothing stopped.")
        return
    stopped = warehouse.stop()
    click.echo("Warehouse stopped." if stopped else "Warehouse was not running.")


@db.command("status")
@friendly
def db_status() -> None:
    """Say whether the warehouse is running and where its data lives."""
    from orchestration.lib import warehouse

    if warehouse.configured_url():
        click.echo(f"Using the configured server {redact(warehouse.configured_url())}.")
        return
    cluster = warehouse.default_cluster()
    running = warehouse.is_running(cluster)
    state = cluster.state()
    click.echo(
        f"Private warehouse {'running' if running else 'stopped'}; data in {cluster.pgdata}"
        + (f"; port {state.get('port')}" if state.get("port") else "")
    )
    if not running:
        sys.exit(3)


@db.command("url")
@click.option(
    "--role",
    default="bdc",
    type=click.Choice(["bdc", "analyst", "public_reader"]),
    help="Which role's URL (analyst: read-only marts, analysis and publish).",
)
@friendly
def db_url(role: str) -> None:
    """Print the connection URL (for psql, analysts and tests)."""
    from orchestration.lib import warehouse

    if warehouse.configured_url():
        if role != "bdc":
            raise Abort("With BDC_WAREHOUSE_URL set, ask the server's owner for role URLs.")
        click.echo(warehouse.configured_url())
        return
    click.echo(warehouse.default_cluster().url(role))


def redact(url: str) -> str:
    """The URL without its password (for messages)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url

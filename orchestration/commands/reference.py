"""`bdc reference update [--source S] [--from URL]`: the snapshot of published data."""

import sys

import click

from orchestration.commands.common import friendly
from orchestration.lib import environment


@click.group("reference")
def reference() -> None:
    """The snapshot of published data (data/reference/, or BDC_REFERENCE_DIR) and its manifest."""


@reference.command("update")
@click.option("--source", help="Only the files of this loader (raw table), e.g. stats_recycling.")
@click.option(
    "--from",
    "base_url",
    metavar="BASE_URL",
    help="A mirror of the extracts: BASE_URL/<path in the snapshot> (default: BDC_REFERENCE_MIRROR,"
    " else each file's official download_url).",
)
@friendly
def reference_update(source: str | None, base_url: str | None) -> None:
    """Download newer copies of the snapshot's files; keep each only if its loader reads it."""
    from orchestration.lib.ingest.reference import update as updating

    try:
        outcomes = updating.update(environment.reference_dir(), source=source, base_url=base_url)
    except updating.UpdateError as error:
        raise click.BadParameter(str(error), param_hint=error.option) from error
    if updating.offline(outcomes):
        tried = sum(outcome.status != updating.NO_ADDRESS for outcome in outcomes)
        click.echo(
            f"Offline: could not reach the sources of any of the {tried} files; "
            "nothing was changed."
        )
        sys.exit(1)
    for outcome in outcomes:
        click.echo(outcome.line())
    if any(outcome.status == updating.UPDATED for outcome in outcomes):
        click.echo(
            "manifest.yml now has the new sha256, rows and retrieved date of each updated file; "
            "check its edition (and SOURCES.md) by hand."
        )
    if any(outcome.failed for outcome in outcomes):
        sys.exit(1)

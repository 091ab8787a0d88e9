"""`bdc ingest FILE [--source NAME]`: validate and load one file, as the sensors do."""

import sys
from pathlib import Path

import click

from orchestration.commands.common import friendly, warehouse_url


@click.command("ingest")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", help="The source (default: the file's folder name).")
@friendly
def ingest(file: Path, source: str | None) -> None:
    """Validate and load one file, exactly as the sensor does."""
    from orchestration.lib.ingest import loaders

    url = warehouse_url()
    result = loaders.ingest_file(url, file, source)
    if result.outcome == "rejected":
        click.echo(result.summary(), err=True)
        for problem in result.problems[:10]:
            click.echo(f"  - {problem.as_line()}", err=True)
        sys.exit(1)
    click.echo(result.summary())

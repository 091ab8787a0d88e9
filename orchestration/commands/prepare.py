"""`bdc prepare` (hidden): the dbt manifest, for CI and tests."""

import click

from orchestration.commands.common import friendly


@click.command("prepare", hidden=True)
@friendly
def prepare() -> None:
    """Prepare the dbt manifest (CI and tests)."""
    from orchestration.lib import dbt

    click.echo(f"dbt manifest: {dbt.prepare_manifest(force=True)}")

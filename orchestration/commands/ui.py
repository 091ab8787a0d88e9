"""`bdc ui [--port N]`: the Dagster UI on 127.0.0.1."""

import os
import subprocess
import sys
from pathlib import Path

import click

from orchestration.commands.common import friendly, warehouse_url
from orchestration.lib import environment


@click.command("ui")
@click.option("--port", default=3000, show_default=True)
@friendly
def ui(port: int) -> None:
    """The Dagster UI on 127.0.0.1."""
    from orchestration.lib import dbt
    from orchestration.lib.dagster import runner

    warehouse_url(with_app=True)
    dbt.prepare_manifest()
    runner.prepare_dagster_home()
    dagster = str(Path(sys.executable).parent / "dagster")
    click.echo(f"Dagster UI on http://127.0.0.1:{port} (Ctrl-C to stop)")
    os.chdir(environment.REPO_ROOT)
    subprocess.run(
        [dagster, "dev", "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"], check=False
    )

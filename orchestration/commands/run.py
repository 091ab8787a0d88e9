"""`bdc run [--select SELECTION]`: materialize everything (or a selection) in-process."""

import click

from orchestration.commands.common import Abort, friendly, warehouse_url
from orchestration.commands.progress import RunProgress
from orchestration.lib import environment


@click.command("run")
@click.option(
    "--select", "selection", help="A Dagster asset selection, e.g. 'key:raw/crm_contacts+'."
)
@friendly
def run(selection: str | None) -> None:
    """Materialize everything (or a selection) in-process."""
    from orchestration.lib import dbt
    from orchestration.lib.dagster import runner

    warehouse_url(with_app=True)
    dbt.prepare_manifest()
    from orchestration.definitions import defs  # after the manifest it reads

    with RunProgress() as progress:
        result = runner.materialize(defs, selection, on_event=progress)
    failed = [event.step_key for event in result.all_events if event.is_step_failure]
    if not result.success:
        raise Abort(f"The run failed at: {', '.join(failed) or 'see the Dagster UI'}.")
    out = environment.output_dir()
    outputs = {
        "reports (HTML, PDF, CSV)": out / "reports",
        "public site (bdc site serve)": out / "site" / "index.html",
        "data-quality Data Docs": out / "quality" / "data_docs" / "index.html",
        "dbt documentation": out / "dbt-docs" / "static_index.html",
    }
    lines = [f"  {label + ':':32} {path}" for label, path in outputs.items() if path.exists()]
    lines += [
        '  Query the warehouse:   psql "$(bdc db url)"   (read-only: bdc db url --role analyst)',
        "  Open the Dagster UI:   bdc ui",
    ]
    click.echo(f"\nDone. Outputs are under {out}\n" + "\n".join(lines))

"""`bdc withdraw BATCH --reason TEXT`: take a loaded batch out (audited), then rebuild."""

import click

from orchestration.commands.common import Abort, friendly, warehouse_url
from orchestration.commands.progress import RunProgress


@click.command("withdraw")
@click.argument("batch")
@click.option("--reason", required=True, help="Why the batch is withdrawn (kept in audit.loads).")
@click.option(
    "--rebuild/--no-rebuild",
    default=True,
    show_default=True,
    help="Rebuild everything downstream of the source afterwards.",
)
@friendly
def withdraw(batch: str, reason: str, rebuild: bool) -> None:
    """Withdraw a loaded batch (its id is in audit.loads): its rows leave the raw table, the
    withdrawal is audited, and what depends on it is rebuilt."""
    import getpass

    from orchestration.lib.ingest import load_audit

    url = warehouse_url()
    try:
        done = load_audit.withdraw(url, batch, reason, by=getpass.getuser())
    except load_audit.WithdrawRefused as refused:
        raise Abort(f"Nothing withdrawn: {refused}.") from refused
    click.echo(
        f"Withdrew {done.file_name}: {done.rows:,} rows left raw.{done.source}. "
        "Send a new file for the period to replace it."
    )
    if rebuild:
        _rebuild_after_withdrawal(done.source)


def _rebuild_after_withdrawal(source: str) -> None:
    """What a new file for the source would rebuild (the sensors' selection)."""
    import dagster as dg

    from orchestration.lib import dbt
    from orchestration.lib.dagster import runner
    from orchestration.lib.dagster.selections import rebuild_selection

    dbt.prepare_manifest()
    from orchestration.definitions import defs  # after the manifest it reads

    raw = dg.AssetSelection.assets(dg.AssetKey(["raw", source]))
    with RunProgress() as progress:
        result = runner.materialize(defs, rebuild_selection(raw.downstream()), on_event=progress)
    if not result.success:
        failed = [event.step_key for event in result.all_events if event.is_step_failure]
        raise Abort(f"Withdrawn, but the rebuild failed at: {', '.join(failed)}.")
    click.echo(f"Rebuilt everything downstream of raw.{source}.")

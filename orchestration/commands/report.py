"""`bdc report cabinet|portfolio|scrutiny [--period PERIOD] [--issue]`."""

import click

from orchestration.commands.common import warehouse_url
from orchestration.commands.progress import Stages
from orchestration.lib.reporting.calendar import KINDS


@click.command("report")
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "--period",
    help="Cabinet cycle YYYY-MM (the meeting month, e.g. 2026-01; Portfolio Holder briefings "
    "use their Cabinet's) or O&S quarter (e.g. 2025-26-Q4). Default: the newest period whose "
    "pack date in the reporting calendar has come (never the newest month in the data).",
)
@click.option(
    "--issue", is_flag=True, help="Freeze the pack: immutable copy, data snapshot, audit row."
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Act as if today were this date (YYYY-MM-DD; default: today in London): sets the "
    "default period and what the gate counts as due.",
)
def report(kind: str, period: str | None, issue: bool, today) -> None:
    """Write a member report pack (HTML, PDF, CSV) to build/reports/<kind>/<period>/."""
    from orchestration.lib.reporting import build, data, freeze, publication

    with Stages(
        ["Preparing the warehouse", f"Building the {kind} pack (HTML, PDF, CSV)"]
    ) as stages:
        stages.start()
        url = warehouse_url()
        stages.start()
        try:
            result = build.build(
                url, kind, period, issue=issue, today=today.date() if today else None
            )
        except publication.Refused as refused:
            raise click.ClickException(str(refused)) from refused
        except (ValueError, data.MissingData) as problem:
            raise click.ClickException(str(problem)) from problem
    if issue and result.from_issued_snapshot:
        raise click.ClickException(
            f"The {kind} pack for {result.period.key} was already issued on "
            f"{result.manifest['issued_at']}; it cannot change. The files were regenerated from "
            "its snapshot and are byte-identical."
        )
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(result.summary())
    if result.issued and not result.from_issued_snapshot:
        click.echo(
            f"Issued: {freeze.issued_dir(kind, result.period.key)} "
            f"(content sha256 {result.manifest['content_sha256'][:16]}...)"
        )

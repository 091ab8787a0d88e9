"""`bdc share AGREEMENT`: one partner extract under a data-sharing agreement.

bdc share connecting_families           write build/shares/connecting_families/<date>/
bdc share --list                        every agreement, its status and review/expiry flags
bdc share west_mercia_police_asb --receive FILE
                                        load a partner return under that agreement
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from orchestration.commands.common import warehouse_url


def _list(today: dt.date | None) -> None:
    from orchestration.lib.sharing.agreements import load_register, status_lines

    lines = status_lines(load_register(), today)
    for line in lines:
        click.echo(line.as_line())
    flagged = [line for line in lines if line.status.flags or not line.status.in_force]
    for line in flagged:
        click.echo(f"Policy Team: {line.status.message}", err=True)


@click.command("share")
@click.argument("agreement", required=False)
@click.option("--list", "list_", is_flag=True, help="List the agreements and their status.")
@click.option(
    "--receive",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Load this partner return under AGREEMENT instead of writing an extract.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Act as if today were this date (YYYY-MM-DD; default: today in London).",
)
def share(agreement: str | None, list_: bool, receive: Path | None, today) -> None:
    """Write the partner extract for AGREEMENT (an id in config/sharing_agreements.yml)."""
    from orchestration.lib.sharing.agreements import AgreementError, AgreementNotFound
    from orchestration.lib.sharing.extract import SharingRefused, build_share
    from orchestration.lib.sharing.returns import ReturnRefused, receive_return

    day = today.date() if today else None
    try:
        if list_:
            _list(day)
            return
        if not agreement:
            raise click.UsageError("name an AGREEMENT (see `bdc share --list`)")
        url = warehouse_url()
        if receive is not None:
            result = receive_return(url, receive, agreement, today=day)
            click.echo(result.summary())
            return
        result = build_share(url, agreement, today=day)
    except (SharingRefused, ReturnRefused, AgreementError, AgreementNotFound) as error:
        raise click.ClickException(str(error)) from error
    click.echo(result.summary())
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)

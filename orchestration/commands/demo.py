"""`bdc demo [--scale N] [--out DIR]`: the synthetic landing files (and officer entries)."""

import sys
from pathlib import Path

import click

from orchestration.commands.common import friendly, warehouse_url
from orchestration.lib import environment


@click.command("demo")
@click.option(
    "--scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.01),
    help="Multiply the volume of records.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the files to, without the officer entries (default: the landing zone).",
)
@click.option(
    "--last-month",
    help="The last month of history (YYYY-MM); default: the latest month whose data is due.",
)
@friendly
def demo(scale: float, out: Path | None, last_month: str | None) -> None:
    """Write the deterministic synthetic landing files (and the demo officers' entries)."""
    from orchestration import demo as demo_data
    from orchestration.lib.quality import freshness

    today = freshness.london_today()
    last_month = last_month or freshness.latest_due_month(today)

    # Into the landing zone, the demo also stands in for the officers who enter manual measures.
    to_landing = out is None
    out = out or environment.landing_dir()
    with click.progressbar(length=1, label="Generating demo data", file=sys.stderr) as bar:

        def progress(label: str, done: int, total: int) -> None:
            bar.length = total
            bar.label = f"Generating demo data: {label}"
            bar.update(done - bar.pos)

        written = demo_data.generate(
            out,
            scale=scale,
            last_month=last_month,
            reference_dir=environment.reference_dir(),
            progress=progress,
            today=today,  # files dated as they arrived by today; one month never arrives
        )
    files = sum(len(paths) for paths in written.values())
    click.echo(f"Wrote {files} files for {len(written)} sources under {out}")
    if to_landing:
        from orchestration.demo import officer_entries
        from orchestration.lib import demonstration

        url = warehouse_url(with_app=True)
        added = officer_entries.seed(url, last_month, demo_data.DEFAULT_SEED)
        click.echo(f"Added {added} demo officer entries for the manual measures")
        from orchestration.demo import arrivals

        if arrivals.record_override(url, today) is not None:
            click.echo(
                f"Freshness override by the demo's Policy Team: {arrivals.missing_words(today)}"
            )
        from orchestration.commands.common import setup_django
        from orchestration.demo import officer_work

        setup_django(url)
        done = officer_work.seed(demo_data.DEFAULT_SEED)
        click.echo(
            f"Officer app: {done['meetings']} meetings in the reporting calendar, "
            f"{done['post holders']} demo post holders, {done['commentary']} commentaries "
            "written through the workflow"
        )
        # Every output built from this warehouse now says it shows demonstration data.
        demonstration.mark(url)

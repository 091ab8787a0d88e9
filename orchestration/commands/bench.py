"""`bdc bench [--scales 1,10] [--quick]`: how fast, how big, against the ceiling."""

import click

from orchestration.commands.progress import Stages
from orchestration.lib import environment

QUICK_SCALES = "0.02"
# The progress lines of bench/run.py that end no step.
OPENING_WORDS = ("starting a throwaway PostgreSQL", "REFUSED demo file", ": deployment: ")


def _parse_scales(text: str) -> list[float]:
    try:
        scales = [float(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise click.BadParameter(f"{text!r} is not a comma-separated list of numbers") from error
    if not scales or any(scale < 0.01 for scale in scales):
        raise click.BadParameter("give one or more scales of at least 0.01, e.g. 1,10")
    return scales


@click.command("bench")
@click.option(
    "--scales",
    default=None,
    help="Comma-separated demo scales to measure (default 1,10; with --quick 0.02).",
)
@click.option("--quick", is_flag=True, help="A tiny smoke run (scale 0.02 unless --scales).")
@click.option(
    "--last-month",
    default=None,
    help="The last month of demo history (default: last month); it is held back and fed in "
    "as the new month.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Folder for latest.json and latest.md (default: build/bench).",
)
def bench(scales: str | None, quick: bool, last_month: str | None, out: str | None) -> None:
    """Time and measure every pipeline stage in a throwaway warehouse; write build/bench/."""
    from pathlib import Path

    from orchestration.bench import run, stages

    chosen = _parse_scales(scales or (QUICK_SCALES if quick else "1,10"))
    out_dir = Path(out) if out else environment.output_dir() / "bench"
    click.echo(f"Benchmark at scale(s) {', '.join(f'{s:g}' for s in chosen)}", err=True)
    # Per scale, bench/run.py says one line as each of these ends (and one as it starts a
    # warehouse, one per refused demo file and the deployment's own, which end nothing).
    steps = ["generate", *stages.STAGE_NAMES, "one new month", "report packs", "ingest ceiling"]
    names = [
        f"scale {run.scale_label(scale)}: {step}"
        for scale in chosen
        # At DEPLOYMENT_SCALE, a landed file is timed through the deployed processes too.
        for step in [*steps, *(["file to public page"] if scale == run.DEPLOYMENT_SCALE else [])]
    ]
    with Stages(names, announce=False, unit="steps") as progress:

        def said(line: str) -> None:
            progress.note(f"  {line}")
            if not any(word in line for word in OPENING_WORDS):
                progress.start()

        progress.start()
        try:
            results = run.benchmark(chosen, out_dir, said, last_month)
        except run.BenchError as error:
            raise click.ClickException(str(error)) from error
    click.echo((out_dir / "latest.md").read_text())
    click.echo(f"Wrote {out_dir / 'latest.json'} and {out_dir / 'latest.md'}")
    failed = [label for label, scale in results["scales"].items() if not scale["success"]]
    if failed:
        raise click.ClickException(
            f"The pipeline failed at scale(s) {', '.join(failed)}: the figures are incomplete; "
            "see the FAILED rows above."
        )

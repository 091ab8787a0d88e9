"""`bdc`: the platform's one command line (README.md "The `bdc` command")."""

import functools
import os
import subprocess
import sys
from pathlib import Path

import click

from orchestration.commands.common import warehouse_url
from orchestration.lib import environment

environment.quiet_tools()


class Abort(click.ClickException):
    """A failure worded for the person at the keyboard: what went wrong and what to do."""


def friendly(command):
    """Turn expected errors into one or two lines; --debug shows the traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, KeyboardInterrupt):
            raise
        except Exception as error:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            raise Abort(f"{error}\n(run with `bdc --debug ...` for the full traceback)") from error

    return wrapper


@click.group()
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
def main(debug: bool) -> None:
    """The Bromsgrove Dashboard performance platform."""


@main.group()
def db() -> None:
    """The warehouse: a private local PostgreSQL unless BDC_WAREHOUSE_URL is set."""


@db.command("start")
@friendly
def db_start() -> None:
    """Create (once) and start the private warehouse; set up schemas and roles."""
    from orchestration.lib import warehouse

    where = "configured server" if warehouse.configured_url() else "private cluster"
    url = warehouse_url(with_app=True)
    click.echo(f"Warehouse ready ({where}): {_redact(url)}")


@db.command("stop")
@friendly
def db_stop() -> None:
    """Stop the private warehouse (its data stays)."""
    from orchestration.lib import warehouse

    if warehouse.configured_url():
        click.echo("BDC_WAREHOUSE_URL is set: that server is not managed here; nothing stopped.")
        return
    stopped = warehouse.stop()
    click.echo("Warehouse stopped." if stopped else "Warehouse was not running.")


@db.command("status")
@friendly
def db_status() -> None:
    """Say whether the warehouse is running and where its data lives."""
    from orchestration.lib import warehouse

    if warehouse.configured_url():
        click.echo(f"Using the configured server {_redact(warehouse.configured_url())}.")
        return
    cluster = warehouse.default_cluster()
    running = warehouse.is_running(cluster)
    state = cluster.state()
    click.echo(
        f"Private warehouse {'running' if running else 'stopped'}; data in {cluster.pgdata}"
        + (f"; port {state.get('port')}" if state.get("port") else "")
    )
    if not running:
        sys.exit(3)


@db.command("url")
@click.option(
    "--role",
    default="bdc",
    type=click.Choice(["bdc", "analyst", "public_reader"]),
    help="Which role's URL (analyst: read-only marts, analysis and publish).",
)
@friendly
def db_url(role: str) -> None:
    """Print the connection URL (for psql, analysts and tests)."""
    from orchestration.lib import warehouse

    if warehouse.configured_url():
        if role != "bdc":
            raise Abort("With BDC_WAREHOUSE_URL set, ask the server's owner for role URLs.")
        click.echo(warehouse.configured_url())
        return
    click.echo(warehouse.default_cluster().url(role))


def _redact(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


@main.command()
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

    last_month = last_month or freshness.latest_due_month()

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
        )
    files = sum(len(paths) for paths in written.values())
    click.echo(f"Wrote {files} files for {len(written)} sources under {out}")
    if to_landing:
        from orchestration.demo import officer_entries
        from orchestration.lib import demonstration

        url = warehouse_url(with_app=True)
        added = officer_entries.seed(url, last_month, demo_data.DEFAULT_SEED)
        click.echo(f"Added {added} demo officer entries for the manual measures")
        # Every output built from this warehouse now says it shows demonstration data.
        demonstration.mark(url)


@main.command()
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


@main.command()
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

    from orchestration.lib.ingest import loaders

    url = warehouse_url()
    try:
        done = loaders.withdraw(url, batch, reason, by=getpass.getuser())
    except loaders.WithdrawRefused as refused:
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
    result = runner.materialize(defs, rebuild_selection(raw.downstream()))
    if not result.success:
        failed = [event.step_key for event in result.all_events if event.is_step_failure]
        raise Abort(f"Withdrawn, but the rebuild failed at: {', '.join(failed)}.")
    click.echo(f"Rebuilt everything downstream of raw.{source}.")


@main.command()
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

    result = runner.materialize(defs, selection)
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


@main.command()
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


@main.command(hidden=True)
@friendly
def prepare() -> None:
    """Prepare the dbt manifest (CI and tests)."""
    from orchestration.lib import dbt

    click.echo(f"dbt manifest: {dbt.prepare_manifest(force=True)}")


@main.group()
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


def _add_commands() -> None:
    """The output-side commands live in orchestration/commands/, one module each."""
    from orchestration.commands.bench import bench
    from orchestration.commands.report import report
    from orchestration.commands.share import share
    from orchestration.commands.site import site
    from orchestration.commands.web import web

    for command in (report, site, share, web, bench):
        main.add_command(command)


_add_commands()

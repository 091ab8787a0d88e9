"""`bdc config`: check the registers of config/ (docs/configuration.md) and keep their JSON
Schemas in step with the models. Needs no warehouse and no dbt."""

from pathlib import Path

import click

from orchestration.commands.common import friendly


@click.group()
def config() -> None:
    """The configuration registers (config/*.yml): check them, keep their schemas."""


@config.command("check")
@click.option(
    "--config-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The folder of registers to check (default: the repository's config/).",
)
@friendly
def check(config_dir: Path | None) -> None:
    """Validate every register: each problem with its file, line and a suggestion."""
    from orchestration.lib.registers import catalogue

    report = catalogue.check_all(config_dir)
    if not report.problems:
        click.echo(f"{report.summary()}: all valid")
        return
    for problem in report.problems:
        click.echo(str(problem))
    files = len({problem.path for problem in report.problems})
    count = len(report.problems)
    click.echo(
        f"{count} problem{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}",
        err=True,
    )
    raise click.exceptions.Exit(1)


@config.command("schemas")
@click.option(
    "--check",
    "only_check",
    is_flag=True,
    help="Write nothing; exit 1 if a committed schema differs from its model.",
)
@friendly
def schemas(only_check: bool) -> None:
    """Write config/schemas/*.schema.json from the registers' models, and name each
    register's schema on the first line of its files (for editors)."""
    from orchestration.lib.registers import catalogue
    from orchestration.lib.registers.problems import display

    if only_check:
        stale = catalogue.stale_schemas()
        for path in stale:
            click.echo(f"{display(path)} differs from its model: run `bdc config schemas`")
        unnamed = catalogue.missing_modelines()
        for path, line in unnamed:
            click.echo(f"{display(path)}: the first line should be `{line}`")
        if stale or unnamed:
            raise click.exceptions.Exit(1)
        click.echo(f"{len(catalogue.REGISTERS)} schemas match their models")
        return
    changed = catalogue.write_schemas()
    for path in changed:
        click.echo(f"wrote {display(path)}")
    named = catalogue.write_modelines()
    for path in named:
        click.echo(f"named its schema on the first line of {display(path)}")
    click.echo(f"{len(catalogue.REGISTERS)} schemas, {len(changed)} changed")

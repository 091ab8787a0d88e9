"""`bdc`: the platform's one command line (README.md "The `bdc` command").

Only the group lives here; each command (or group of commands) is a module of its own in
orchestration/commands/, registered below.
"""

import click

from orchestration.commands.common import friendly
from orchestration.lib import environment

environment.quiet_tools()

PACKAGE = "bdc-platform"


class Bdc(click.Group):
    """The root group: an unexpected error in any command is one readable line (--debug: the
    traceback), as each command's own `friendly` wrapper makes it."""

    def invoke(self, ctx: click.Context):
        return friendly(super().invoke)(ctx)


@click.group(cls=Bdc)
@click.version_option(package_name=PACKAGE, prog_name="bdc", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
def main(debug: bool) -> None:
    """The Bromsgrove Dashboard performance platform."""


def _add_commands() -> None:
    """Every command lives in orchestration/commands/, one module each."""
    from orchestration.commands.bench import bench
    from orchestration.commands.config import config
    from orchestration.commands.db import db
    from orchestration.commands.demo import demo
    from orchestration.commands.ingest import ingest
    from orchestration.commands.lint import lint_sql
    from orchestration.commands.prepare import prepare
    from orchestration.commands.reference import reference
    from orchestration.commands.report import report
    from orchestration.commands.run import run
    from orchestration.commands.share import share
    from orchestration.commands.site import site
    from orchestration.commands.ui import ui
    from orchestration.commands.web import web
    from orchestration.commands.withdraw import withdraw

    for command in (
        db,
        demo,
        ingest,
        withdraw,
        run,
        ui,
        prepare,
        lint_sql,
        reference,
        report,
        site,
        share,
        web,
        bench,
        config,
    ):
        main.add_command(command)


_add_commands()

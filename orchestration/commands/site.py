"""`bdc site build|serve`: the static public dashboard and open data."""

import functools
import http.server

import click

from orchestration.commands.common import warehouse_url
from orchestration.commands.progress import Stages

PUBLISH = "Rebuilding publish.* (disclosure control)"
GATE = "Asking the quality gate"
WRITE = "Writing the pages and open data"


@click.group("site")
def site() -> None:
    """The public site: static, accessible, disclosure-controlled."""


@site.command("build")
@click.option(
    "--skip-publish",
    is_flag=True,
    help="Use the publish.* tables as they are (do not rebuild them first).",
)
def build_command(skip_publish: bool) -> None:
    """Rebuild publish.* (disclosure control), ask the gate, write build/site/."""
    from orchestration.lib.publishing import build, publish
    from orchestration.lib.quality import gate

    names = ["Preparing the warehouse", PUBLISH, GATE, WRITE]
    with Stages([name for name in names if not (skip_publish and name == PUBLISH)]) as stages:

        def asking_the_gate(url: str, output: str):
            """The site's own gate check, its stage shown; then the pages are written."""
            stages.start(GATE)
            decision = gate.check_gate(url, output)
            stages.start(WRITE)
            return decision

        stages.start()
        url = warehouse_url()
        try:
            if not skip_publish:
                stages.start(PUBLISH)
                click.echo(publish.build_publish(url).summary())
            result = build.build_site(url, build.public_url_for(url), gate=asking_the_gate)
        except build.SiteBlocked as blocked:
            raise click.ClickException(str(blocked)) from blocked
        except build.SiteSetupError as problem:
            raise click.ClickException(str(problem)) from problem
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(result.summary())


@site.command("serve")
@click.option("--port", default=8000, show_default=True)
def serve(port: int) -> None:
    """Serve build/site/ on 127.0.0.1 (Ctrl-C to stop)."""
    from orchestration.lib.publishing import build

    root = build.site_dir()
    if not (root / "index.html").exists():
        raise click.ClickException(f"No site in {root}: run `bdc site build` first.")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        click.echo(f"Public site on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            click.echo("Stopped.")

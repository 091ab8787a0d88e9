"""`bdc site build|serve`: the static public dashboard and open data."""

import functools
import http.server

import click

from orchestration.commands.common import warehouse_url


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

    url = warehouse_url()
    try:
        if not skip_publish:
            click.echo(publish.build_publish(url).summary())
        result = build.build_site(url, build.public_url_for(url))
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

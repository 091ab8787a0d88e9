"""`bdc web`: the officer input and commentary app on 127.0.0.1 (waitress)."""

import getpass
import os

import click

from orchestration.commands.common import migrate_app, warehouse_url


@click.group(invoke_without_command=True)
@click.option("--port", default=8765, show_default=True, help="Port on 127.0.0.1.")
@click.option("--threads", default=4, show_default=True, help="Waitress worker threads.")
@click.pass_context
def web(ctx: click.Context, port: int, threads: int) -> None:
    """The input and commentary app on 127.0.0.1 (migrates the input schema first)."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        migrate_app(warehouse_url())
        from waitress import serve

        from webapp.officer import stylesheet

        # Compiled here, before the first request, only when its sources changed.
        stylesheet.build()

        from webapp.wsgi import application
    except Exception as error:
        raise click.ClickException(f"Could not start the app: {error}") from error
    if not (os.environ.get("BDC_WEB_SECRET_KEY") or os.environ.get("BDC_WEB_SECRET_KEY_FILE")):
        click.echo("BDC_WEB_SECRET_KEY is not set: sessions end when the app stops.")
    click.echo(f"Officer app on http://127.0.0.1:{port}/ (Ctrl+C to stop)")
    serve(application, host="127.0.0.1", port=port, threads=threads, ident="bdc-web")


@web.command("user")
@click.argument("username")
@click.option(
    "--role",
    "role_names",
    multiple=True,
    required=True,
    type=click.Choice(["officer", "manager", "director", "policy", "member", "partner"]),
    help="Role(s) to give; repeat for several.",
)
@click.option("--password", help="The password (asked for when not given).")
@click.option(
    "--no-password",
    is_flag=True,
    help="No password: signs in with the council account only (BDC_OIDC_*; by email).",
)
@click.option("--email", help="Email address: reminders, and sign-in with the council account.")
def add_user(
    username: str,
    role_names: tuple[str, ...],
    password: str | None,
    no_password: bool,
    email: str | None,
) -> None:
    """Create or update USERNAME with a password (or none) and role(s)."""
    if no_password and password is not None:
        raise click.UsageError("Give --password or --no-password, not both.")
    if not no_password and password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    migrate_app(warehouse_url())
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from webapp.officer import grants, roles

    roles.ensure_groups()
    user, created = get_user_model().objects.get_or_create(username=username)
    if email is not None:
        user.email = email.strip()
    if no_password:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise click.ClickException(" ".join(error.messages)) from error
        user.set_password(password)
    user.save()
    # Each role given is written to audit.role_grants (who ran the command, when, to whom), in
    # the same transaction as the grant.
    with transaction.atomic(), grants.granting(_operator(), "bdc web user (command line)"):
        for name in role_names:
            user.groups.add(Group.objects.get(name=roles.ROLE_OPTIONS[name]))
    click.echo(f"{'Created' if created else 'Updated'} {username}: {', '.join(role_names)}.")


def _register_subcommands() -> None:
    from orchestration.commands.web_remind import remind

    web.add_command(remind)


_register_subcommands()


def _operator() -> str:
    """Who runs `bdc web user`: the operating-system account."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"

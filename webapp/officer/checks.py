"""System checks of the officer app run by `manage.py check --deploy` (docs/webapp.md)."""

from django.core.checks import Warning, register

from webapp.officer import stylesheet


@register(deploy=True)
def stylesheet_built(app_configs, **kwargs):
    """The app serves its one stylesheet itself; without it every page is unstyled."""
    if stylesheet.STYLESHEET.exists():
        return []
    return [
        Warning(
            f"The app's stylesheet {stylesheet.STYLESHEET} has not been built.",
            hint="Run `python -m webapp.officer.stylesheet` where the npm packages are "
            "installed (`npm ci`), e.g. when the container image is built.",
            id="officer.W001",
        )
    ]

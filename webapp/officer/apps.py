from django.apps import AppConfig


class OfficerConfig(AppConfig):
    name = "webapp.officer"
    label = "officer"
    verbose_name = "Officer input and commentary"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from webapp.officer import checks, grants  # noqa: F401 (checks registers itself)

        grants.connect()

from collections.abc import Mapping
from functools import cached_property
from importlib import metadata

from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.lib.dbt import dbt_executable, dbt_project
from orchestration.lib.library_patches import Patch

# What: InstalledDbtCliResource overrides DbtCliResource's private _cli_version and
# _initialize_dbt_core_adapter (below). Why: two start-up costs paid before every dbt command.
# Versions: dagster-dbt 0.29.27, the pin; with any other (or without those names)
# dbt_resource() gives dagster-dbt's own DbtCliResource.
SKIPPED_DBT_STARTUP = Patch(
    "dagster-dbt to skip `dbt --version` and its in-process dbt adapter",
    written_for=("dagster-dbt==0.29.27",),
    needs=(
        "dagster_dbt:DbtCliResource._cli_version",
        "dagster_dbt:DbtCliResource._initialize_dbt_core_adapter",
    ),
)


class InstalledDbtCliResource(DbtCliResource):
    """Two start-up costs dagster-dbt pays before every dbt command that these runs don't need.

    dagster-dbt asks the dbt executable its version (`dbt --version`, a second start of dbt).
    The executable is this environment's own dbt-core (dbt_executable), so its version is the
    installed package's.

    It also builds a dbt adapter in this process (the project, profile and macros loaded),
    used only by `fetch_row_counts()` and `fetch_column_metadata()`, which these
    assets don't call; dagster-dbt runs without one when it can't build it."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource(installed: Mapping[str, str] | None = None) -> DbtCliResource:
    """The dbt resource: InstalledDbtCliResource where SKIPPED_DBT_STARTUP applies. `installed`:
    versions to judge the patch by instead of the installed ones (tests)."""
    resource = InstalledDbtCliResource if SKIPPED_DBT_STARTUP.applies(installed) else DbtCliResource
    return resource(project_dir=dbt_project(), dbt_executable=dbt_executable())

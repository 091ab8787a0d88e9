from functools import cached_property
from importlib import metadata

from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.lib.dbt import dbt_executable, dbt_project


class InstalledDbtCliResource(DbtCliResource):
    """Two start-up costs dagster-dbt pays before every dbt command that these runs don't need.

    dagster-dbt asks the dbt executable its version (`dbt --version`, a second start of dbt:
    about 2 s). The executable is this environment's own dbt-core (dbt_executable), so its
    version is the installed package's.

    It also builds a dbt adapter in this process (the project, profile and macros loaded:
    about 1.6 s), used only by `fetch_row_counts()` and `fetch_column_metadata()`, which these
    assets don't call; dagster-dbt runs without one when it can't build it."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCliResource:
    return InstalledDbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable())

from functools import cached_property
from importlib import metadata

from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.lib.dbt import dbt_executable, dbt_project


class InstalledDbtCliResource(DbtCliResource):
    """dagster-dbt asks the dbt executable its version (`dbt --version`, a second start of dbt:
    about 2 s) before every command. The executable is this environment's own dbt-core
    (dbt_executable), so its version is the installed package's."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(metadata.version("dbt-core"))


def dbt_resource() -> DbtCliResource:
    return InstalledDbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable())

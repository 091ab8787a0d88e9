from dagster_dbt import DbtCliResource

from orchestration.lib.dbt import dbt_executable, dbt_project


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable())

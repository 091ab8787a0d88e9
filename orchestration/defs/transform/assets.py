"""The dbt models (staging, intermediate, marts) as Dagster assets; dbt tests as asset checks."""

import os

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.lib import environment
from orchestration.lib.dbt import dbt_project, translator
from orchestration.lib.resources import WarehouseResource


@dbt_assets(
    manifest=dbt_project().manifest_path,
    dagster_dbt_translator=translator(),
    name="dbt_models",
)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    os.environ.update(environment.dbt_env(warehouse.url))
    yield from dbt.cli(["build"], context=context).stream()


@dg.asset(
    key=["docs", "dbt"],
    deps=[dg.AssetKey(["marts", "fct_measure_values"])],
    group_name="outputs",
    kinds={"dbt"},
    description="dbt's documentation site (models, columns, lineage) in build/dbt-docs/; "
    "static_index.html is one self-contained page.",
)
def dbt_docs(dbt: DbtCliResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    os.environ.update(environment.dbt_env(warehouse.url))
    target = environment.output_dir() / "dbt-docs"
    dbt.cli(["docs", "generate", "--static"], target_path=target).wait()
    return dg.MaterializeResult(metadata={"path": str(target / "static_index.html")})

"""The dbt models (staging, intermediate, marts) as Dagster assets; dbt tests as asset checks."""

import os

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets, get_asset_key_for_model

from orchestration.lib import environment
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.dbt import docs_fingerprint, manifest_path, prune_invocations, translator
from orchestration.lib.ingest import load_audit

BUILD_EXCLUDES = ("--exclude-resource-type", "unit_test")


@dbt_assets(
    manifest=manifest_path(),
    dagster_dbt_translator=translator(),
    name="dbt_models",
)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    os.environ.update(environment.dbt_env(warehouse.url))
    # A withdrawn batch loads no rows, so the incremental facts (which rebuild the months with
    # rows loaded since their last build) would keep its rows: rebuild them in full, until a
    # build of every model has done so.
    withdrawn = load_audit.withdrawals_to_rebuild(warehouse.url)
    refresh = ["--full-refresh"] if withdrawn else []
    if withdrawn:
        context.log.info(f"{len(withdrawn)} withdrawn batch(es): the models are rebuilt in full.")
    # dbt's unit tests check the models' SQL on fixed inputs, not the data: they run in
    # `make test` (a `dbt build` from the command line), as dbt advises, not in every run.
    invocation = dbt.cli(["build", *BUILD_EXCLUDES, *refresh], context=context)
    yield from invocation.stream()
    if withdrawn and set(context.selected_asset_keys) == set(context.assets_def.keys):
        load_audit.mark_withdrawals_rebuilt(warehouse.url, withdrawn)
    prune_invocations(invocation.target_path.parent, context.op_execution_context.op.name)


@dg.asset(
    key=["docs", "dbt"],
    deps=[get_asset_key_for_model([dbt_models], "fct_measure_values")],
    group_name="outputs",
    kinds={"dbt"},
    description="dbt's documentation site (models, columns, lineage) in build/dbt-docs/; "
    "static_index.html is one self-contained page.",
)
def dbt_docs(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    target = environment.output_dir() / "dbt-docs"
    page = target / "static_index.html"
    stamp = target / "fingerprint.txt"
    fingerprint = docs_fingerprint(warehouse.url)
    if page.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        context.log.info("Models and columns unchanged since the docs were generated: kept.")
        return dg.MaterializeResult(metadata={"path": str(page), "regenerated": False})
    os.environ.update(environment.dbt_env(warehouse.url))
    dbt.cli(["docs", "generate", "--static"], target_path=target).wait()
    stamp.write_text(fingerprint)
    return dg.MaterializeResult(metadata={"path": str(page), "regenerated": True})

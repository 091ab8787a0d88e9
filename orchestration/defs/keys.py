"""Asset keys of the warehouse's tables, each taken from where its asset is defined.

One name per table: a dbt model's key is dagster-dbt's own, from the manifest and the project's
translator (never written out by hand); a raw table's is its contract's (defs/ingest). A table
named by its relation in configuration (a Great Expectations suite, a sharing agreement's
dataset) maps to the key of the asset that builds it.
"""

from functools import cache

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from orchestration.defs.ingest.assets import raw_asset_key
from orchestration.defs.transform.assets import dbt_models
from orchestration.lib import contracts

TABLE_NAME = "dagster/table_name"  # Dagster's metadata key for an asset's table


@cache
def model_key(name: str) -> dg.AssetKey:
    """The asset key of the dbt model (or seed, snapshot) called `name`."""
    return get_asset_key_for_model([dbt_models], name)


@cache
def _keys_by_relation() -> dict[str, dg.AssetKey]:
    keys = {
        contract.table: raw_asset_key(contract.source)
        for contract in contracts.all_contracts().values()
    }
    for spec in dbt_models.specs:
        # dagster-dbt gives each model the relation it builds, as `database.schema.alias`
        table_name = spec.metadata.get(TABLE_NAME)
        if table_name:
            keys[str(table_name).split(".", 1)[1]] = spec.key
    return keys


def relation_key(relation: str) -> dg.AssetKey:
    """The key of the asset that builds the table `schema.table`: its dbt model's, its raw
    contract's, or else [schema, table], the key of the Python assets that write analysis.*,
    marts.measure_quality, raw.measure_registry and the like (tests/integration/test_lineage.py
    checks that every key used as a dependency is an asset's)."""
    return _keys_by_relation().get(relation) or dg.AssetKey(relation.split("."))

"""Lineage: every dependency is an asset the code location defines, under one name per table.

Dagster makes up an external "stub" asset for a key that something depends on but nothing
defines, so a misspelt key loads without complaint and the lineage through it is lost. Here a
dependency counts only when an asset materializes it or it is declared, on purpose, as an
external asset (a table written outside the pipeline) that says who writes it.
"""

import dagster as dg
import pytest
from dagster_dbt import get_asset_key_for_model

from orchestration.lib import dbt

pytestmark = pytest.mark.integration

PROFILES = [dg.AssetKey(["marts", "profile_wards"]), dg.AssetKey(["marts", "profile_localities"])]
PURPOSES = dg.AssetKey(["raw", "measure_purposes"])
REGISTRY = dg.AssetKey(["raw", "measure_registry"])


@pytest.fixture(scope="module")
def defs():
    dbt.prepare_manifest()
    from orchestration.definitions import defs

    return defs


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


def declared_externals(defs) -> set[dg.AssetKey]:
    """Keys declared as external assets: specs, or definitions that can't be materialized (not
    the stubs Dagster adds for keys nothing defines, which are not in defs.assets)."""
    keys = set()
    for item in defs.assets or []:
        if isinstance(item, dg.AssetSpec):
            keys.add(item.key)
        elif isinstance(item, dg.AssetsDefinition) and not item.is_executable:
            keys |= set(item.keys)
    return keys


def defined(graph, externals, key) -> bool:
    return graph.has(key) and (graph.get(key).is_materializable or key in externals)


def test_every_dependency_is_an_asset_the_code_location_defines(defs, graph):
    externals = declared_externals(defs)
    dangling = sorted(
        f"{parent.to_user_string()} (needed by {node.key.to_user_string()})"
        for node in graph.asset_nodes
        for parent in node.parent_keys
        if not defined(graph, externals, parent)
    )
    assert not dangling, "dependencies that no asset defines:\n" + "\n".join(dangling)


def test_every_check_is_on_an_asset_the_code_location_defines(defs, graph):
    externals = declared_externals(defs)
    stray = sorted(
        check.to_user_string()
        for check in graph.asset_check_keys
        if not defined(graph, externals, check.asset_key)
    )
    assert not stray, "checks on assets nothing defines:\n" + "\n".join(stray)


def test_external_assets_are_tables_written_outside_the_pipeline_and_say_by_whom(defs, graph):
    externals = declared_externals(defs)
    assert {
        dg.AssetKey(["audit", "loads"]),
        dg.AssetKey(["input", "commentary"]),
        dg.AssetKey(["input", "manual_values"]),
    } <= externals
    for key in externals:
        node = graph.get(key)
        assert not node.is_materializable, key
        assert node.description, key
        assert node.metadata.get("written_by"), f"{key.to_user_string()}: who writes it?"


def dbt_model_key(defs, name: str) -> dg.AssetKey:
    dbt_models = defs.resolve_assets_def(dg.AssetKey(["marts", "fct_measure_values"]))
    return get_asset_key_for_model([dbt_models], name)


def test_the_public_tables_and_site_are_downstream_of_the_profile_models(defs, graph):
    from orchestration.lib.publishing import publish

    for profile in PROFILES:
        assert dbt_model_key(defs, profile.path[-1]) == profile  # the dbt model's own key
    publish_keys = {key for key in graph.get_all_asset_keys() if key.path[0] == "publish"}
    assert {dg.AssetKey(["publish", name]) for name in publish.TABLES} <= publish_keys
    for profile in PROFILES:
        downstream = dg.AssetSelection.assets(profile).downstream().resolve(graph)
        assert publish_keys | {dg.AssetKey(["site", "public"])} <= downstream, profile
    # every dbt model build_publish reads (SOURCES) is a dependency of every publish.* table
    read = {dbt_model_key(defs, relation.split(".")[1]) for relation, _ in publish.SOURCES.values()}
    for key in publish_keys:
        assert read <= graph.get(key).parent_keys, key


def test_the_registry_asset_produces_raw_measure_purposes_which_dbt_reads(defs, graph):
    registry = defs.resolve_assets_def(PURPOSES)
    assert registry.is_executable
    assert registry.node_def.name == "measure_registry"
    assert set(registry.keys) == {REGISTRY, PURPOSES}
    assert graph.get(PURPOSES).is_materializable
    assert PURPOSES in graph.get(dbt_model_key(defs, "stg_registry__purposes")).parent_keys
    assert REGISTRY in graph.get(dbt_model_key(defs, "stg_registry__measures")).parent_keys

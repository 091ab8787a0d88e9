"""Publishing: the disclosure-controlled publish.* tables and the static public site."""

import dagster as dg

from orchestration.defs.analysis.assets import MEASURE_ICONS
from orchestration.defs.keys import model_key
from orchestration.defs.officer_input.assets import input_key
from orchestration.defs.quality.assets import measure_quality
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.publishing import build, publish

# The dbt models build_publish reads (lib/publishing/publish.py), by their dbt names.
DBT_MODELS = (
    "dim_purposes",
    "dim_measures",
    "fct_measure_values",
    "profile_wards",
    "profile_localities",
    "fct_cost_of_service",
    "fct_neighbour_comparison",
    "dim_nearest_neighbours",
)
UPSTREAM = [
    *(model_key(name) for name in DBT_MODELS),
    measure_quality.key,
    MEASURE_ICONS,
    input_key("commentary"),
]
PUBLISH_KEYS = [dg.AssetKey(["publish", name]) for name in publish.TABLES]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key,
            deps=UPSTREAM,
            group_name="publishing",
            kinds={"postgres"},
            description=f"publish.{key.path[-1]}: public-safe, disclosure-controlled "
            "(small-area counts below 5 suppressed with secondary suppression; no personal "
            "fields). Read by the public_reader role and the public site only.",
        )
        for key in PUBLISH_KEYS
    ],
    name="publish_tables",
)
def publish_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    result = publish.build_publish(warehouse.url)
    context.log.info(result.summary())
    for name, rows in result.rows.items():
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["publish", name]),
            metadata={
                "rows": rows,
                "cells_suppressed_total": result.suppressed,
                "sources_missing": ", ".join(result.missing_sources) or "none",
            },
        )


@dg.asset(
    key=["site", "public"],
    deps=PUBLISH_KEYS,
    group_name="publishing",
    kinds={"html"},
    description="The static public dashboard and open data in build/site/, built from "
    "publish.* as public_reader after the publication gate allows it (when blocked, the last "
    "good site stays).",
)
def public_site(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    try:
        result = build.build_site(warehouse.url, build.public_url_for(warehouse.url))
    except build.SiteBlocked as blocked:
        raise dg.Failure(description=str(blocked)) from blocked
    for warning in result.warnings:
        context.log.warning(warning)
    context.log.info(result.summary())
    return dg.MaterializeResult(
        metadata={
            "pages": len(result.pages),
            "data_files": len(result.files),
            "seconds": round(result.seconds, 2),
            "folder": dg.MetadataValue.path(str(result.out_dir)),
        }
    )

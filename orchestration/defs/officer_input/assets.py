"""The officer app's tables as external assets: written by the app, read by dbt as sources."""

import dagster as dg

from orchestration.defs.officer_input.sensors import INPUT_ASSET_KEYS


def input_specs() -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            key,
            group_name="officer_input",
            description=f"input.{key.path[-1]}: written by the officer app (`bdc web`).",
            kinds={"postgres", "django"},
        )
        for key in INPUT_ASSET_KEYS
    ]

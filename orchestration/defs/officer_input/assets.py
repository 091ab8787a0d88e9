"""The officer app's tables as external assets: written by the app, read by dbt as sources."""

import dagster as dg

INPUT_TABLES = ("commentary", "manual_values", "cmt_focus", "reporting_calendar")


def input_key(table: str) -> dg.AssetKey:
    """The key of input.<table>, one of the tables the officer app writes."""
    if table not in INPUT_TABLES:
        raise KeyError(f"input.{table} is not one of the officer app's tables: {INPUT_TABLES}")
    return dg.AssetKey(["input", table])


INPUT_ASSET_KEYS = [input_key(table) for table in INPUT_TABLES]


def input_specs() -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            key,
            group_name="officer_input",
            description=f"input.{key.path[-1]}: written by the officer app (`bdc web`).",
            kinds={"postgres", "django"},
            metadata={"written_by": "the officer app (webapp/, `bdc web`), not by Dagster"},
        )
        for key in INPUT_ASSET_KEYS
    ]

"""Warehouse tables for tests that build their own marts, shaped by the models' contracts.

`marts.dim_measures` has an enforced dbt contract (dbt_project/models/marts/core/
_core__models.yml): a test table made from it has exactly the warehouse's columns, so a
column added to the model reaches every test's table, and tests insert by column name.
"""

from __future__ import annotations

import yaml

from orchestration.lib import environment

CORE_MODELS = environment.dbt_project_dir() / "models" / "marts" / "core" / "_core__models.yml"


def contract_columns(model: str) -> list[tuple[str, str]]:
    """(name, data type) of each column of a contracted marts model, in order."""
    models = yaml.safe_load(CORE_MODELS.read_text(encoding="utf-8"))["models"]
    (found,) = [m for m in models if m["name"] == model]
    return [(column["name"], column["data_type"]) for column in found["columns"]]


def create_table_sql(model: str, primary_key: tuple[str, ...] = ()) -> str:
    """`create table marts.<model> (...)` with the contract's columns (and a primary key)."""
    columns = [f"{name} {data_type}" for name, data_type in contract_columns(model)]
    if primary_key:
        columns.append(f"primary key ({', '.join(primary_key)})")
    return f"create table if not exists marts.{model} ({', '.join(columns)});"


DIM_MEASURES_SQL = create_table_sql("dim_measures", ("measure_id", "council_code"))

"""Dagster resources shared by every domain."""

import dagster as dg


class WarehouseResource(dg.ConfigurableResource):
    """The PostgreSQL warehouse, by URL (from BDC_WAREHOUSE_URL; never a default)."""

    url: str


def warehouse_resource() -> WarehouseResource:
    return WarehouseResource(url=dg.EnvVar("BDC_WAREHOUSE_URL"))

import dagster as dg

from orchestration.defs.transform.assets import dbt_docs, dbt_models
from orchestration.lib.dbt.resources import dbt_resource


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[dbt_models, dbt_docs], resources={"dbt": dbt_resource()})

import dagster as dg

from orchestration.defs.audit.assets import audit_specs


def defs() -> dg.Definitions:
    return dg.Definitions(assets=audit_specs())

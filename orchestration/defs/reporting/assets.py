"""Member report packs as assets, partitioned by reporting period.

A run with a partition key builds that period (an issued period is regenerated from its frozen
snapshot, byte-identical); a run without one (`bdc run`) builds the reporting calendar's current
period: the newest whose pack date has come, in Europe/London (never the newest month of data).
"""

import dagster as dg

from orchestration.defs.analysis.assets import MEASURE_ICONS, MEASURE_SPC, TRIAL_VERDICTS
from orchestration.defs.keys import model_key
from orchestration.defs.quality.assets import measure_quality
from orchestration.defs.reporting.partitions import PARTITIONS
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.reporting import build, publication

UPSTREAM = [
    model_key("dim_measures"),
    model_key("dim_purposes"),
    model_key("fct_measure_values"),
    measure_quality.key,
    MEASURE_SPC,
    MEASURE_ICONS,
]
DESCRIPTIONS = {
    "cabinet": "Bi-monthly Cabinet report per council: CMT focus and key measures. "
    "One partition per Cabinet cycle (meeting month). Files in build/reports/cabinet/<period>/.",
    "portfolio": "Portfolio Holder briefings, one per portfolio and council, before each "
    "Cabinet. Files in build/reports/portfolio/<period>/.",
    "scrutiny": "Quarterly Overview and Scrutiny report per council: strategic measures by "
    "purpose, exceptions, trials, data quality. Files in build/reports/scrutiny/<period>/.",
}


def _report_asset(kind: str) -> dg.AssetsDefinition:
    deps = UPSTREAM + ([TRIAL_VERDICTS] if kind == "scrutiny" else [])

    @dg.asset(
        key=["reports", kind],
        name=None,
        deps=deps,
        partitions_def=PARTITIONS[kind],
        group_name="reporting",
        kinds={"pdf", "html", "csv"},
        description=DESCRIPTIONS[kind],
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        key = context.partition_key if context.has_partition_key else None
        try:
            result = build.build(warehouse.url, kind, key)
        except publication.Refused as refused:
            raise dg.Failure(description=str(refused)) from refused
        for warning in result.warnings:
            context.log.warning(warning)
        context.log.info(result.summary())
        return dg.MaterializeResult(
            metadata={
                "period": result.period.key,
                "folder": dg.MetadataValue.path(str(result.folder)),
                "documents": len([n for n in result.files if n.endswith(".pdf")]),
                "issued": result.issued,
            }
        )

    return _asset


cabinet_report = _report_asset("cabinet")
portfolio_briefings = _report_asset("portfolio")
scrutiny_report = _report_asset("scrutiny")
REPORT_ASSETS = {"cabinet": cabinet_report, "portfolio": portfolio_briefings,
                 "scrutiny": scrutiny_report}  # fmt: skip

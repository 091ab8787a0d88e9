"""Raw tables: one asset per landing-zone source, loaded by the transactional loader."""

import dagster as dg
import psycopg

from orchestration.lib import contracts, environment
from orchestration.lib.contracts import Contract
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.ingest import landing, loaders, raw_tables
from orchestration.lib.ingest.reference import PARSERS
from orchestration.lib.sharing.returns import receive_landing_files

GROUP = "ingest"
# Sources whose files come in under an agreement rather than straight through the loader.
RECEIVERS = {"partner_returns": receive_landing_files}


def raw_asset_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", source])


def build_raw_asset(contract: Contract) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(contract.source),
        group_name=GROUP,
        kinds={"postgres"},
        description=(
            f"{contract.title}. Grain: {contract.grain}. Loaded from landing/{contract.source}/ "
            f"with COPY in one transaction per file; contract config/contracts/"
            f"{contract.source}.yml."
        ),
        owners=[f"team:{_team(contract.owner)}"] if contract.owner else None,
        tags={"source": contract.source},
    )
    def raw_table(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        reference_dir = environment.reference_dir()
        arriving = []
        if contract.source in PARSERS:
            results = [loaders.ingest_reference(warehouse.url, contract.source, reference_dir)]
            already = 0
        else:
            load = RECEIVERS.get(contract.source, loaders.ingest_files)
            scan = landing.scan_landing(warehouse.url, contract.source)
            results = load(warehouse.url, scan.to_load)
            results += loaders.refuse_entries(warehouse.url, contract.source, scan.refused)
            already, arriving = scan.already, scan.arriving
            with psycopg.connect(warehouse.url, autocommit=True) as conn:
                raw_tables.ensure_raw_table(conn, contract)
        for result in results:
            if result.outcome == "rejected":
                context.log.warning(result.summary())
            elif result.outcome == "loaded":
                context.log.info(result.summary())
        for path in arriving:
            context.log.info(f"{path.name}: still being written; left for the next run")
        counts = {
            outcome: sum(1 for result in results if result.outcome == outcome)
            for outcome in ("loaded", "duplicate", "rejected")
        }
        return dg.MaterializeResult(
            metadata={
                "files_loaded": counts["loaded"],
                "files_already_loaded": counts["duplicate"] + already,
                "files_rejected": counts["rejected"],
                "files_still_arriving": len(arriving),
                "rows_loaded": sum(result.rows_loaded for result in results),
                "rejected_files": ", ".join(
                    result.file.name for result in results if result.outcome == "rejected"
                ),
            }
        )

    return raw_table


def _team(owner: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in owner.lower()).strip("_")


def raw_assets() -> list[dg.AssetsDefinition]:
    return [build_raw_asset(contract) for contract in contracts.all_contracts().values()]

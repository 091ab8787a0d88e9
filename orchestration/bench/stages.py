"""The benchmark's stages: Dagster selections run one after another, each in its own process.

A stage whose selection matches no asset is reported as "not present". Assets no stage names are
folded into the earliest stage after all of their upstream assets, so the stages together
always build everything the Definitions hold. Each check runs with its asset's stage, except
the standalone suites on ingest and dbt tables, which make up the quality stage (dbt's own
tests run inside `dbt build`).
"""

from dataclasses import dataclass, field

import dagster as dg

QUALITY = "quality checks"


@dataclass(frozen=True)
class Stage:
    name: str
    selection: str  # a Dagster asset selection string; QUALITY selects checks instead


STAGES = (
    Stage("ingest", "group:ingest or group:registry"),
    Stage("dbt build", "kind:dbt"),
    # plus every standalone check (the GX suites) on raw and marts tables
    Stage(QUALITY, "group:quality"),
    Stage("capability charts", "group:analysis"),
    Stage("reports", "group:reporting or group:reports"),
    Stage("site", "group:publish or group:publishing or group:site"),
)
STAGE_NAMES = tuple(stage.name for stage in STAGES)


@dataclass
class Planned:
    stage: Stage
    assets: set = field(default_factory=set)
    checks: set = field(default_factory=set)
    folded: set = field(default_factory=set)  # assets no stage selects, run here

    @property
    def present(self) -> bool:
        return bool(self.assets or self.checks)


def standalone_check_keys(defs: dg.Definitions) -> set:
    """Checks defined on their own (the GX suites); dbt tests run inside `dbt build`."""
    keys = set()
    for checks in defs.asset_checks or []:
        keys |= set(checks.check_keys)
    return keys


def plan(defs: dg.Definitions) -> list[Planned]:
    graph = defs.resolve_asset_graph()
    buildable = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    planned = [Planned(stage) for stage in STAGES]
    quality_index = STAGE_NAMES.index(QUALITY)
    assigned: dict = {}
    for index, item in enumerate(planned):
        selected = dg.AssetSelection.from_string(item.stage.selection).resolve(graph)
        item.assets = (set(selected) & buildable) - set(assigned)
        assigned.update({key: index for key in item.assets})
    for key in graph.toposorted_asset_keys:
        if key not in buildable or key in assigned:
            continue
        parents = [assigned[parent] for parent in graph.get(key).parent_keys if parent in assigned]
        index = max(parents, default=0)
        if index == quality_index:
            index += 1
        planned[index].assets.add(key)
        planned[index].folded.add(key)
        assigned[key] = index
    standalone = standalone_check_keys(defs)
    for check in graph.asset_check_keys:
        index = assigned.get(check.asset_key)
        if index is None:
            continue
        if check in standalone and index < quality_index:
            index = quality_index  # the suites on raw and marts tables
        planned[index].checks.add(check)
    return planned


def subset_job(defs: dg.Definitions, assets: set, checks: set):
    """The global asset job cut down to these assets and checks, nothing else."""
    job = defs.resolve_implicit_global_asset_job_def()
    return job.get_subset(asset_selection=set(assets), asset_check_selection=set(checks))


def find(planned: list[Planned], name: str) -> Planned:
    return next(item for item in planned if item.stage.name == name)

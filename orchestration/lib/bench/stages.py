"""The benchmark's stages: Dagster selections run one after another, each in its own process.

A stage whose selection matches no asset is reported as "not present". Assets no stage names are
folded into the earliest stage after all of their upstream assets, so the stages together
always build everything the Definitions hold.
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
    Stage(QUALITY, "standalone asset checks (Great Expectations suites)"),
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

    def job(self):
        selection = dg.AssetSelection.assets(*self.assets).without_checks() | (
            dg.AssetSelection.checks(*self.checks)
        )
        return dg.define_asset_job(f"bench_{slug(self.stage.name)}", selection=selection)


def slug(name: str) -> str:
    return name.replace(" ", "_")


def quality_check_keys(defs: dg.Definitions) -> set:
    """Checks defined on their own (the GX suites); dbt tests belong to `dbt build`."""
    keys = set()
    for checks in defs.asset_checks or []:
        keys |= set(checks.check_keys)
    return keys


def plan(defs: dg.Definitions) -> list[Planned]:
    graph = defs.resolve_asset_graph()
    buildable = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    quality = quality_check_keys(defs)
    planned = [Planned(stage) for stage in STAGES]
    assigned: dict = {}
    for index, item in enumerate(planned):
        if item.stage.name == QUALITY:
            item.checks = set(quality)
            continue
        selected = dg.AssetSelection.from_string(item.stage.selection).resolve(graph)
        item.assets = (set(selected) & buildable) - set(assigned)
        assigned.update({key: index for key in item.assets})
    for key in graph.toposorted_asset_keys:
        if key not in buildable or key in assigned:
            continue
        parents = [assigned[parent] for parent in graph.get(key).parent_keys if parent in assigned]
        index = max(parents, default=0)
        if planned[index].stage.name == QUALITY:
            index += 1
        planned[index].assets.add(key)
        planned[index].folded.add(key)
        assigned[key] = index
    for item in planned:
        if item.stage.name != QUALITY and item.assets:
            attached = dg.AssetSelection.assets(*item.assets).resolve_checks(graph)
            item.checks = set(attached) - quality
    return planned


def find(planned: list[Planned], name: str) -> Planned:
    return next(item for item in planned if item.stage.name == name)

"""What the registers hold that other registers refer to: the councils, the source contracts,
the measures (and the councils each applies to), the codes of case end-to-end series. Each
loader checks its references against these (registers.base.References)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from orchestration.lib import environment
from orchestration.lib.registers import councils as councils_register
from orchestration.lib.registers.base import References


def references(
    config_dir: Path | None = None, measures: bool = False, cases: bool = False
) -> References:
    """The councils and source contracts of the config folder (default config/); with
    `measures`, the measure registry (validated); with `cases`, the services and case types of
    the service_cases contract."""
    config_dir = Path(config_dir or environment.config_dir())
    refs = References(
        councils=frozenset(councils_register.load(config_dir / "councils.yml")),
        sources=frozenset(path.stem for path in (config_dir / "contracts").glob("*.yml")),
    )
    if measures:
        from orchestration.lib.registry.measures import load_registry

        registry = load_registry(config_dir / "measures", refs)
        found = {m.id: frozenset(m.definition.councils) for m in registry.measures}
        refs = dataclasses.replace(refs, measures=found)
    if cases:
        from orchestration.lib import contracts

        cases_contract = contracts.all_contracts(config_dir / "contracts")["service_cases"]
        refs = dataclasses.replace(
            refs,
            case_services=frozenset(cases_contract.column("service").allowed or ()),
            case_types=frozenset(cases_contract.column("case_type").allowed or ()),
        )
    return refs

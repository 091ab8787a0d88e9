"""Source contracts: the written agreement of what each landing-zone file holds.

Kept as YAML in config/contracts/ (format in its README); the loader validates files against
them, the raw tables are created from them, and each raw table's Great Expectations suite
checks what its contract implies (quality/contract_expectations.py).
"""

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from orchestration.lib import environment

TYPES = {
    "text": "text",
    "integer": "bigint",
    "numeric": "numeric",
    "date": "date",
    "timestamp": "timestamp",
    "boolean": "boolean",
}
FREQUENCIES = {"monthly", "quarterly", "annual", "static"}


class ContractError(ValueError):
    """A contract file that is itself wrong."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    allowed: tuple[str, ...] | None = None
    min: float | str | None = None
    max: float | str | None = None
    personal: bool = False
    references: str | None = None
    codes_from: str | None = None
    # A regular expression the whole value must match (text columns), and how to say it.
    pattern: str | None = None
    pattern_hint: str | None = None
    description: str = ""

    @property
    def sql_type(self) -> str:
        return TYPES[self.type]


@dataclass(frozen=True)
class Contract:
    source: str
    title: str
    description: str
    grain: str
    frequency: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    period_column: str | None = None
    owner: str = ""
    due_working_day: int | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def table(self) -> str:
        return f"raw.{self.source}"

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def _parse(data: dict, path: Path) -> Contract:
    where = f"{path.name}"
    for key in ("source", "title", "grain", "columns"):
        if key not in data:
            raise ContractError(f"{where}: missing required key '{key}'.")
    columns = []
    for raw in data["columns"]:
        kind = raw.get("type")
        if kind not in TYPES:
            raise ContractError(f"{where}: column {raw.get('name')} has unknown type {kind!r}.")
        allowed = raw.get("allowed")
        pattern = raw.get("pattern")
        if pattern is not None:
            if kind != "text":
                raise ContractError(f"{where}: column {raw['name']} has a pattern but is not text.")
            try:
                re.compile(pattern)
            except re.error as error:
                raise ContractError(
                    f"{where}: column {raw['name']} has an invalid pattern ({error})."
                ) from error
        columns.append(
            Column(
                name=raw["name"],
                type=kind,
                required=bool(raw.get("required", False)),
                allowed=tuple(str(code) for code in allowed) if allowed else None,
                min=raw.get("min"),
                max=raw.get("max"),
                personal=bool(raw.get("personal", False)),
                references=raw.get("references"),
                codes_from=raw.get("codes_from"),
                pattern=pattern,
                pattern_hint=raw.get("pattern_hint"),
                description=raw.get("description", ""),
            )
        )
    names = [column.name for column in columns]
    if len(set(names)) != len(names):
        raise ContractError(f"{where}: duplicate column names.")
    for key in data.get("primary_key", []) + [data.get("period_column")]:
        if key and key not in names:
            raise ContractError(f"{where}: '{key}' is not one of its columns.")
    frequency = data.get("frequency", "static")
    if frequency not in FREQUENCIES:
        raise ContractError(f"{where}: frequency must be one of {sorted(FREQUENCIES)}.")
    known = {
        "source",
        "title",
        "description",
        "grain",
        "frequency",
        "columns",
        "primary_key",
        "period_column",
        "owner",
        "due_working_day",
    }
    return Contract(
        source=data["source"],
        title=data["title"],
        description=data.get("description", ""),
        grain=data["grain"],
        frequency=frequency,
        columns=tuple(columns),
        primary_key=tuple(data.get("primary_key", [])),
        period_column=data.get("period_column"),
        owner=data.get("owner", ""),
        due_working_day=data.get("due_working_day"),
        extra={key: value for key, value in data.items() if key not in known},
    )


def load_contract(path: Path) -> Contract:
    with path.open() as handle:
        return _parse(yaml.safe_load(handle), path)


@cache
def _all(folder: Path) -> dict[str, Contract]:
    contracts = {}
    for path in sorted(folder.glob("*.yml")):
        contract = load_contract(path)
        if contract.source != path.stem:
            raise ContractError(f"{path.name}: source '{contract.source}' must match file name.")
        contracts[contract.source] = contract
    return contracts


def all_contracts(folder: Path | None = None) -> dict[str, Contract]:
    return _all(folder or environment.contracts_dir())


def get(source: str) -> Contract:
    contracts = all_contracts()
    if source not in contracts:
        raise ContractError(
            f"No contract for source '{source}'; known sources: {', '.join(sorted(contracts))}."
        )
    return contracts[source]

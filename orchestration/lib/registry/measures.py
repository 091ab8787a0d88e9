"""The measure registry: versioned YAML in config/measures/, validated when loaded.

Each file holds measures sharing defaults (a purpose file names its purpose once). A measure
applies to every council in `councils` (both by default) and becomes one registry row per
council. Derived measures carry a `calculation` (a family and its parameters) that the dbt
models in dbt_project/models/intermediate/measures/ read from raw.measure_registry; manual
measures get their values from input.manual_values (the officer app).

    from orchestration.lib.registry.measures import load_registry
    registry = load_registry()          # raises RegistryError naming file, measure and field
    registry.rows()                     # one dict per measure x council
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from orchestration.lib import environment, yamlfiles
from orchestration.lib.registers import known, validate
from orchestration.lib.registers.base import References, for_council
from orchestration.lib.registers.measures import (
    CALCULATION_PARAMETERS,
    MeasureDefinition,
    MeasureFile,
    Purpose,
)
from orchestration.lib.registers.problems import Problem, RegisterError

# A measure file that breaks the registry's rules: the one error of every register.
RegistryError = RegisterError

# The text fields of a registry row, each resolved for the row's council.
TEXT_FIELDS = ("name", "kind", "owner", "manager", "director", "portfolio", "portfolio_holder",
               "definition", "numerator", "unit", "polarity", "frequency", "data_quality_notes",
               "purpose", "team", "service_area", "locality", "denominator")  # fmt: skip
TARGET_FIELDS = ("basis", "source", "set_by", "set_on")


@dataclass(frozen=True)
class Measure:
    id: str
    file: str
    definition: MeasureDefinition

    @cached_property
    def fields(self) -> dict:
        """Every field, the file's defaults applied (None where not given)."""
        return self.definition.model_dump()

    @cached_property
    def calculation(self) -> dict:
        """The calculation's family and the parameters given; {} for a manual measure."""
        calculation = self.definition.calculation
        return calculation.model_dump(mode="json", exclude_none=True) if calculation else {}

    def rows(self) -> list[dict]:
        """One registry row per council, the council-specific values resolved."""
        measure = self.definition
        rows = []
        for council in measure.councils:
            row = {"measure_id": self.id, "council_code": council, "registry_file": self.file}
            for name in TEXT_FIELDS:
                row[name] = for_council(getattr(measure, name), council)
            row["purpose_code"] = row.pop("purpose")
            row["numerator_definition"] = row.pop("numerator")
            row["denominator_definition"] = row.pop("denominator")
            target = measure.target
            row["target"] = None if target is None else float(for_council(target.value, council))
            for name in TARGET_FIELDS:
                value = None if target is None else for_council(getattr(target, name), council)
                row[f"target_{name}"] = None if value is None else str(value)
            reason = None if target else measure.no_target_reason
            row["no_target_reason"] = for_council(reason, council)
            row["accumulation"] = measure.accumulation
            row["signals"] = measure.signals
            row["signals_reason"] = for_council(measure.signals_reason, council)
            row["source"] = ",".join(measure.source)
            for flag in ("is_public", "is_key", "comparators"):
                row[flag] = getattr(measure, flag)
            row["input_method"] = measure.input_method
            row["spc_profile"] = measure.spc_profile
            row["breakdowns"] = ",".join(measure.breakdowns)
            row["calc_family"] = self.calculation.get("family")
            for name in CALCULATION_PARAMETERS:
                value = self.calculation.get(name)
                if isinstance(value, list):
                    value = ",".join(str(item) for item in value)
                row[f"calc_{name}"] = None if value is None else str(value)
            rows.append(row)
        return rows


@dataclass(frozen=True)
class Registry:
    purposes: tuple[Purpose, ...]
    measures: tuple[Measure, ...]
    files: tuple[Path, ...]

    def rows(self) -> list[dict]:
        return [row for measure in self.measures for row in measure.rows()]

    def by_id(self, measure_id: str) -> Measure:
        return next(measure for measure in self.measures if measure.id == measure_id)


def target_words(value_text: str, row: dict) -> str:
    """A measure's target as members and residents read it, with where it comes from, who
    set it and when; or why there is none. `value_text` is the target already formatted
    ("" when there is none); `row` has the registry's target_* and no_target_reason columns
    (set_on a date or an ISO date string)."""
    if not value_text:
        reason = row.get("no_target_reason") or ""
        return f"No target set. {reason}".strip()
    set_on = row.get("target_set_on")
    if isinstance(set_on, str) and set_on:
        set_on = dt.date.fromisoformat(set_on[:10])
    who = row.get("target_set_by")
    origin = [
        row.get("target_basis") or "",
        f"set by {who}" if who else "",
        f"{set_on.day} {set_on:%B %Y}" if set_on else "",
    ]
    origin_text = ", ".join(part for part in origin if part)
    source = row.get("target_source") or ""
    return f"{value_text} ({origin_text}). {source}".strip() if origin_text else value_text


def measures_dir() -> Path:
    return environment.config_dir() / "measures"


def _resolve(document: yamlfiles.Document, index: int, councils) -> tuple[dict, callable]:
    """One measure with its file's defaults (and purpose) applied, and where each of its
    fields is written: in the measure, else in the defaults."""
    data = document.data
    raw = data["measures"][index]
    defaults = dict(data.get("defaults") or {})
    if data.get("purpose"):
        defaults.setdefault("purpose", data["purpose"]["code"])
        defaults.setdefault("director", data["purpose"]["director"])
    if "target" in raw:
        # A file's default reason for having no target gives way to a measure's own target.
        defaults.pop("no_target_reason", None)
    merged = {**defaults, **raw}
    merged.setdefault("councils", sorted(councils or ()))

    def position(loc):
        field = loc[2] if len(loc) > 2 else None
        if field is not None and field not in raw and field in (data.get("defaults") or {}):
            return document.position(("defaults", *loc[2:]))
        if field is not None and field not in raw and field in ("purpose", "director"):
            return document.position(("purpose", "code" if field == "purpose" else field))
        return document.position(loc)

    return merged, position


def _purpose_code(data) -> str | None:
    purpose = data.get("purpose") if isinstance(data, dict) else None
    code = purpose.get("code") if isinstance(purpose, dict) else None
    return code if isinstance(code, str) else None


def check_registry(
    folder: Path, refs: References | None = None
) -> tuple[Registry | None, list[Problem]]:
    """The registry of every *.yml in the folder, or None and every problem found."""
    refs = refs or known.references()
    folder = Path(folder)
    files = tuple(sorted(folder.glob("*.yml")))
    if not files:
        return None, [Problem(folder, None, None, "no measure files (*.yml)")]
    problems: list[Problem] = []
    parsed: dict[Path, tuple[yamlfiles.Document, MeasureFile]] = {}
    unparsed: list = []
    for path in files:
        try:
            document = yamlfiles.read(path)
        except RegisterError as error:
            problems += error.problems
            continue
        model, found = validate.check(document, MeasureFile, context=refs)
        problems += found
        if model is not None:
            parsed[path] = (document, model)
        else:
            unparsed.append(document.data)
    purposes: list[Purpose] = []
    for document, model in parsed.values():
        if model.purpose is None:
            continue
        if model.purpose.code in {purpose.code for purpose in purposes}:
            problems.append(
                document.problem(
                    ("purpose", "code"), f"purpose {model.purpose.code!r} is defined twice"
                )
            )
        purposes.append(model.purpose)
    # Measures may name a purpose whose own file has problems elsewhere (reported there).
    codes = {_purpose_code(document.data) for document, _ in parsed.values()}
    codes |= {_purpose_code(data) for data in unparsed}
    refs = dataclasses.replace(refs, purposes=frozenset(codes - {None}))
    measures: list[Measure] = []
    seen: dict[str, str] = {}
    for path, (document, model) in parsed.items():
        for index in range(len(model.measures)):
            merged, position = _resolve(document, index, refs.councils)
            definition, found = validate.check(
                document, MeasureDefinition, merged, refs, ("measures", index), position
            )
            problems += found
            if definition is None:
                continue
            if definition.id in seen:
                problems.append(
                    document.problem(
                        ("measures", index, "id"),
                        f"measure {definition.id!r}, field 'id': is already defined in "
                        f"{seen[definition.id]}",
                    )
                )
                continue
            seen[definition.id] = path.name
            measures.append(Measure(definition.id, path.name, definition))
    if problems:
        return None, problems
    return Registry(purposes=tuple(purposes), measures=tuple(measures), files=files), []


def load_registry(folder: Path | None = None, refs: References | None = None) -> Registry:
    """Read and validate every *.yml in the folder; RegistryError names every problem."""
    registry, problems = check_registry(Path(folder or measures_dir()), refs)
    if problems:
        raise RegistryError(problems)
    return registry

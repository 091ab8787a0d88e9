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

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.lib import environment, yamlfiles

COUNCIL_CODES = ("E07000234", "E07000236")
KINDS = {"strategic", "operational"}
UNITS = {"percent", "days", "count", "rate_per_1000", "gbp", "per_100k"}
POLARITIES = {"higher", "lower", "neutral"}
FREQUENCIES = {"monthly", "quarterly", "annual"}
INPUT_METHODS = {"derived", "manual"}
SPC_PROFILES = {"mdc", "ptd"}
BREAKDOWNS = {"ward", "locality"}
# How a measure's values accumulate: each period on its own, or a running total for the
# financial year (climbing from April to March, then starting again).
ACCUMULATIONS = {"period", "year_to_date"}
# How its chart reads signals (docs/analysis.md "Which chart fits the data"): a capability
# chart of the values; of each month's change from the same month a year earlier (for
# running totals and strongly seasonal series); or a run chart that reads no signal.
SIGNAL_METHODS = {"xmr", "year_on_year", "none"}
# Where a target comes from, as members read it.
TARGET_BASES = {"national standard", "regulator", "council plan", "service plan"}
TARGET_FIELDS = ("value", "basis", "source", "set_by", "set_on")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{2,80}$")

# family -> (allowed parameters, required parameters, raw tables its values come from)
FAMILIES: dict[str, tuple[set[str], set[str], set[str]]] = {
    "contact_share": ({"services", "channels", "numerator"}, {"numerator"}, {"crm_contacts"}),
    "contact_count": ({"services", "channels", "demand_type"}, set(), {"crm_contacts"}),
    "demand_per_1000": ({"services"}, set(), {"crm_contacts", "ref_population"}),
    "address_match": (set(), set(), {"crm_contacts", "gazetteer"}),
    "case_time": (
        {"case_types", "statistic"},
        {"case_types", "statistic"},
        {"service_cases", "case_clock_pauses"},
    ),
    "case_within": (
        {"case_types", "days"},
        {"case_types", "days"},
        {"service_cases", "case_clock_pauses"},
    ),
    "case_count": ({"case_types", "event"}, {"case_types", "event"}, {"service_cases"}),
    "cost_per_transaction": ({"services"}, {"services"}, {"finance_ledger", "crm_contacts"}),
    "cost_of_failure": ({"services"}, set(), {"finance_ledger", "crm_contacts"}),
    "net_cost": ({"services"}, {"services"}, {"finance_ledger"}),
    "budget_variance": ({"services"}, set(), {"finance_ledger"}),
    "workforce": ({"metric", "teams"}, {"metric"}, {"hr_enabling"}),
    "partner": ({"measure_code", "denominator_code"}, {"measure_code"}, {"partner_returns"}),
    "published": (
        {"table", "series", "denominator_series", "per_population"},
        {"table", "series"},
        set(),
    ),
}
STATISTICS = {"median", "p85", "mean"}
CONTACT_NUMERATORS = {"failure", "first_point", "self_service"}
CASE_EVENTS = {"received", "completed", "open"}
WORKFORCE_METRICS = {
    "sickness_per_fte",
    "foi_in_time",
    "complaints",
    "complaints_in_time",
    "complaints_upheld",
}
PUBLISHED_TABLES = {"stats_homelessness", "stats_flytipping", "stats_recycling"}
LIST_PARAMS = {"services", "channels", "case_types", "teams"}

REQUIRED_TEXT = (
    "name",
    "kind",
    "owner",
    "manager",
    "director",
    "portfolio",
    "portfolio_holder",
    "definition",
    "numerator",
    "unit",
    "polarity",
    "frequency",
    "data_quality_notes",
)
OPTIONAL_TEXT = ("purpose", "team", "service_area", "locality", "denominator")
KNOWN_FIELDS = {
    "id",
    *REQUIRED_TEXT,
    *OPTIONAL_TEXT,
    "target",
    "source",
    "is_public",
    "is_key",
    "input_method",
    "spc_profile",
    "comparators",
    "councils",
    "calculation",
    "breakdowns",
    "accumulation",
    "signals",
    "signals_reason",
    "no_target_reason",
}
PURPOSE_FIELDS = ("code", "name", "director", "description", "sort_order")


class RegistryError(ValueError):
    """A measure file that breaks the registry's rules; the message names file, measure, field."""


@dataclass(frozen=True)
class Purpose:
    code: str
    name: str
    director: str
    description: str
    sort_order: int


@dataclass(frozen=True)
class Measure:
    id: str
    file: str
    fields: dict
    calculation: dict = field(default_factory=dict)

    def rows(self) -> list[dict]:
        """One registry row per council, the council-specific values resolved."""
        rows = []
        for council in self.fields["councils"]:
            row = {"measure_id": self.id, "council_code": council, "registry_file": self.file}
            for name in (*REQUIRED_TEXT, *OPTIONAL_TEXT):
                value = self.fields.get(name)
                row[name] = value.get(council) if isinstance(value, dict) else value
            row["purpose_code"] = row.pop("purpose")
            row["numerator_definition"] = row.pop("numerator")
            row["denominator_definition"] = row.pop("denominator")
            target = self.fields.get("target") or {}
            row["target"] = _target_for(target.get("value"), council)
            for name in TARGET_FIELDS[1:]:
                value = target.get(name)
                row[f"target_{name}"] = None if value is None else str(value)
            reason = None if target else self.fields.get("no_target_reason")
            row["no_target_reason"] = _for_council(reason, council)
            row["accumulation"] = self.fields["accumulation"]
            row["signals"] = self.fields["signals"]
            row["signals_reason"] = _for_council(self.fields.get("signals_reason"), council)
            row["source"] = ",".join(self.fields["source"])
            for flag in ("is_public", "is_key", "comparators"):
                row[flag] = bool(self.fields.get(flag, False))
            row["input_method"] = self.fields["input_method"]
            row["spc_profile"] = self.fields["spc_profile"]
            row["breakdowns"] = ",".join(self.fields.get("breakdowns", []))
            row["calc_family"] = self.calculation.get("family")
            for name in sorted(set().union(*(spec[0] for spec in FAMILIES.values()))):
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


def _for_council(value, council: str):
    return value.get(council) if isinstance(value, dict) else value


def _target_for(target, council: str) -> float | None:
    target = _for_council(target, council)
    return None if target is None else float(target)


def _fail(path: Path, measure_id: str | None, field_name: str, problem: str):
    where = f"{path.name}: measure {measure_id!r}" if measure_id else path.name
    raise RegistryError(f"{where}, field {field_name!r}: {problem}")


def _check_text(path, measure_id, name, value, required):
    if value is None:
        if required:
            _fail(path, measure_id, name, "is required")
        return
    values = value.values() if isinstance(value, dict) else [value]
    if isinstance(value, dict) and set(value) != set(COUNCIL_CODES):
        _fail(path, measure_id, name, f"a per-council value needs exactly {COUNCIL_CODES}")
    for item in values:
        if not isinstance(item, str) or not item.strip():
            _fail(path, measure_id, name, "must be non-empty text")


def _check_choice(path, measure_id, name, value, allowed):
    if value not in allowed:
        _fail(path, measure_id, name, f"{value!r} is not one of {sorted(allowed)}")


def _check_calculation(path, measure_id, calculation, sources):
    if not isinstance(calculation, dict) or "family" not in calculation:
        _fail(path, measure_id, "calculation", "a derived measure needs a calculation family")
    family = calculation["family"]
    _check_choice(path, measure_id, "calculation.family", family, set(FAMILIES))
    allowed, required, family_sources = FAMILIES[family]
    params = {key: value for key, value in calculation.items() if key != "family"}
    for name in sorted(set(params) - allowed):
        _fail(path, measure_id, f"calculation.{name}", f"is not a parameter of {family}")
    for name in sorted(required - set(params)):
        _fail(path, measure_id, f"calculation.{name}", f"is required for {family}")
    for name in sorted(LIST_PARAMS & set(params)):
        value = params[name]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            _fail(path, measure_id, f"calculation.{name}", "must be a non-empty list of codes")
    choices = {
        "statistic": STATISTICS,
        "numerator": CONTACT_NUMERATORS,
        "event": CASE_EVENTS,
        "metric": WORKFORCE_METRICS,
        "table": PUBLISHED_TABLES,
        "demand_type": {"value", "failure"},
    }
    for name, allowed_values in choices.items():
        if name in params:
            _check_choice(path, measure_id, f"calculation.{name}", params[name], allowed_values)
    if "days" in params and (not isinstance(params["days"], int) or params["days"] <= 0):
        _fail(path, measure_id, "calculation.days", "must be a positive whole number of days")
    needed = set(family_sources)
    if family == "published":
        needed.add(params["table"])
        if params.get("per_population"):
            needed.add("ref_population")
    missing = needed - set(sources)
    if missing:
        _fail(path, measure_id, "source", f"must name the raw tables it reads: {sorted(missing)}")


def _check_target(path, measure_id, raw: dict, fields: dict) -> None:
    """A target says where it comes from, who set it and when; a key measure without one
    says why. A file's default `no_target_reason` gives way to a measure's own target."""
    target = fields.get("target")
    if target is not None:
        if not isinstance(target, dict):
            _fail(path, measure_id, "target", f"must be a mapping of {', '.join(TARGET_FIELDS)}")
        unknown = sorted(set(target) - set(TARGET_FIELDS))
        if unknown:
            _fail(path, measure_id, f"target.{unknown[0]}", "is not a target field")
        value = target.get("value")
        values = value.values() if isinstance(value, dict) else [value]
        if isinstance(value, dict) and set(value) != set(COUNCIL_CODES):
            _fail(path, measure_id, "target.value", f"a per-council value needs {COUNCIL_CODES}")
        if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
            _fail(path, measure_id, "target.value", "must be a number (or one per council)")
        _check_choice(path, measure_id, "target.basis", target.get("basis"), TARGET_BASES)
        for name in ("source", "set_by"):
            _check_text(path, measure_id, f"target.{name}", target.get(name), required=True)
        set_on = target.get("set_on")
        if set_on is None and fields.get("is_key"):
            _fail(path, measure_id, "target.set_on", "a key measure's target needs its date")
        if set_on is not None and not isinstance(set_on, dt.date):
            _fail(path, measure_id, "target.set_on", "must be a date (YYYY-MM-DD)")
        if "no_target_reason" in raw:
            _fail(path, measure_id, "no_target_reason", "a measure with a target needs no reason")
        return
    reason = fields.get("no_target_reason")
    _check_text(path, measure_id, "no_target_reason", reason, required=bool(fields.get("is_key")))


def _check_signals(path, measure_id, fields: dict) -> None:
    """A running total is never read as it is: its chart compares each month with the same
    month a year earlier, or reads no signal. A chart reading no signal says why."""
    _check_choice(path, measure_id, "accumulation", fields["accumulation"], ACCUMULATIONS)
    _check_choice(path, measure_id, "signals", fields["signals"], SIGNAL_METHODS)
    if fields["accumulation"] == "year_to_date":
        if fields["frequency"] != "monthly":
            _fail(path, measure_id, "accumulation", "a year-to-date measure must be monthly")
        if fields["signals"] == "xmr":
            _fail(
                path,
                measure_id,
                "signals",
                "a year-to-date value cannot go on a capability chart as it is: "
                "use year_on_year (or none, with signals_reason)",
            )
    if fields["signals"] == "year_on_year" and fields["frequency"] != "monthly":
        _fail(path, measure_id, "signals", "year_on_year compares months: make it monthly")
    required = fields["signals"] != "xmr" and fields["accumulation"] != "year_to_date"
    _check_text(path, measure_id, "signals_reason", fields.get("signals_reason"), required)


def _validate_measure(path: Path, raw: dict, defaults: dict, purpose_codes: set[str]) -> Measure:
    if not isinstance(raw, dict):
        _fail(path, None, "measures", "each measure must be a mapping")
    measure_id = raw.get("id")
    if not isinstance(measure_id, str) or not ID_PATTERN.match(measure_id):
        _fail(path, str(measure_id), "id", "must be lower-case snake case, 3-81 characters")
    unknown = sorted(set(raw) - KNOWN_FIELDS)
    if unknown:
        _fail(path, measure_id, unknown[0], "is not a registry field")
    fields = {**defaults, **raw}
    fields.setdefault("councils", list(COUNCIL_CODES))
    fields.setdefault("input_method", "derived")
    fields.setdefault("spc_profile", "mdc")
    fields.setdefault("accumulation", "period")
    fields.setdefault("signals", "xmr")
    for name in REQUIRED_TEXT:
        _check_text(path, measure_id, name, fields.get(name), required=True)
    for name in OPTIONAL_TEXT:
        _check_text(path, measure_id, name, fields.get(name), required=False)
    _check_choice(path, measure_id, "kind", fields["kind"], KINDS)
    _check_choice(path, measure_id, "unit", fields["unit"], UNITS)
    _check_choice(path, measure_id, "polarity", fields["polarity"], POLARITIES)
    _check_choice(path, measure_id, "frequency", fields["frequency"], FREQUENCIES)
    _check_choice(path, measure_id, "input_method", fields["input_method"], INPUT_METHODS)
    _check_choice(path, measure_id, "spc_profile", fields["spc_profile"], SPC_PROFILES)
    if fields["kind"] == "strategic" and not fields.get("purpose"):
        _fail(path, measure_id, "purpose", "a strategic measure needs a purpose")
    if fields.get("purpose") and fields["purpose"] not in purpose_codes:
        _fail(path, measure_id, "purpose", f"{fields['purpose']!r} is not a defined purpose")
    if fields["kind"] == "operational" and not (fields.get("team") or fields.get("service_area")):
        _fail(path, measure_id, "team", "an operational measure needs a team or service area")
    councils = fields["councils"]
    if not isinstance(councils, list) or not councils or set(councils) - set(COUNCIL_CODES):
        _fail(path, measure_id, "councils", f"must be a non-empty list from {COUNCIL_CODES}")
    _check_target(path, measure_id, raw, fields)
    _check_signals(path, measure_id, fields)
    sources = fields.get("source")
    if not isinstance(sources, list) or not sources:
        _fail(path, measure_id, "source", "must be a non-empty list of sources")
    breakdowns = fields.get("breakdowns", [])
    if not isinstance(breakdowns, list) or set(breakdowns) - BREAKDOWNS:
        _fail(path, measure_id, "breakdowns", f"must be a list from {sorted(BREAKDOWNS)}")
    calculation = fields.get("calculation") or {}
    if fields["input_method"] == "derived":
        _check_calculation(path, measure_id, calculation, sources)
    elif calculation:
        _fail(path, measure_id, "calculation", "a manual measure takes no calculation")
    return Measure(id=measure_id, file=path.name, fields=fields, calculation=calculation)


def _validate_purpose(path: Path, raw) -> Purpose:
    if not isinstance(raw, dict):
        _fail(path, None, "purpose", "must be a mapping")
    for name in PURPOSE_FIELDS:
        if raw.get(name) in (None, ""):
            _fail(path, None, f"purpose.{name}", "is required")
    if not isinstance(raw["sort_order"], int):
        _fail(path, None, "purpose.sort_order", "must be a whole number")
    return Purpose(**{name: raw[name] for name in PURPOSE_FIELDS})


def _read(path: Path) -> dict:
    data = yamlfiles.load_mapping(path, "measures", RegistryError)
    if not isinstance(data, dict) or not isinstance(data.get("measures"), list):
        _fail(path, None, "measures", "the file needs a list of measures")
    return data


def load_registry(folder: Path | None = None) -> Registry:
    """Read and validate every *.yml in the folder; raise RegistryError on the first problem."""
    folder = Path(folder or measures_dir())
    files = tuple(sorted(folder.glob("*.yml")))
    if not files:
        raise RegistryError(f"{folder}: no measure files (*.yml)")
    documents = {path: _read(path) for path in files}
    purposes = [
        _validate_purpose(path, data["purpose"])
        for path, data in documents.items()
        if "purpose" in data
    ]
    codes = [purpose.code for purpose in purposes]
    if len(codes) != len(set(codes)):
        raise RegistryError(f"{folder}: a purpose code is defined twice: {sorted(codes)}")
    measures: list[Measure] = []
    seen: dict[str, str] = {}
    for path, data in documents.items():
        defaults = dict(data.get("defaults") or {})
        if "purpose" in data:
            defaults.setdefault("purpose", data["purpose"]["code"])
            defaults.setdefault("director", data["purpose"]["director"])
        for raw in data["measures"]:
            measure = _validate_measure(path, raw, defaults, set(codes))
            if measure.id in seen:
                _fail(path, measure.id, "id", f"is already defined in {seen[measure.id]}")
            seen[measure.id] = path.name
            measures.append(measure)
    return Registry(purposes=tuple(purposes), measures=tuple(measures), files=files)

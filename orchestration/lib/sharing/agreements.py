"""The register of data-sharing agreements (config/sharing_agreements.yml), validated on load.

Every partner extract and every partner return is traceable to one agreement here. The register
is versioned data: git history is its audit trail, and each agreement carries its own `version`,
which every extract records. A problem in the file is reported naming the agreement and field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from orchestration.lib import environment, yamlfiles
from orchestration.lib.publishing import disclosure

GEOGRAPHY_LEVELS = ("council", "locality", "ward")
FREQUENCIES = ("monthly", "quarterly")
COUNCIL_CODES = tuple(environment.COUNCILS)
FLAG_WITHIN_DAYS = 60
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
MARTS_TABLE = re.compile(r"^marts\.[a-z][a-z0-9_]*$")

# The columns of marts.fct_measure_values an agreement may name, with their meaning (tables.md).
MEASURE_COLUMNS = {
    "measure_id": "Stable identifier of the measure (see the council's measure definitions).",
    "council_code": "GSS code of the council whose measure it is (E07000234 Bromsgrove, "
    "E07000236 Redditch).",
    "period_start": "First day of the period the figure covers (ISO date).",
    "period_end": "Last day of the period the figure covers (ISO date).",
    "geography_type": "Level of the area: council, locality or ward.",
    "geography_code": "Code of the area (GSS code for wards and councils; the council's "
    "locality code for localities).",
    "numerator": "The count the figure is built on (the numerator of a rate or share).",
    "denominator": "The base of a rate or share (empty for plain counts).",
    "value": "The figure itself in the measure's unit.",
    "status": "provisional, final or revised.",
}
REQUIRED_FIELDS = (
    "id",
    "version",
    "title",
    "partner",
    "purpose",
    "lawful_basis",
    "councils",
    "datasets",
    "geography",
    "disclosure",
    "frequency",
    "periods",
    "start",
    "review",
    "expiry",
    "contacts",
)


class AgreementError(ValueError):
    """The register breaks its rules; the message names the agreement and field."""


class AgreementNotFound(KeyError):
    """No agreement of that id in the register."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Dataset:
    """One file of an extract: agreed measures from fct_measure_values, or a named marts table."""

    name: str
    kind: str  # measures | table
    description: str
    columns: dict[str, str]  # column -> meaning, in output order
    measures: tuple[str, ...] = ()
    table: str | None = None
    geography_column: str | None = None
    period_column: str | None = None
    count_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Returns:
    """The partner returns an agreement receives: through which contract, from which partner."""

    contract: str
    partner_code: str
    measure_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Status:
    state: str  # in_force | expired | not_started
    flags: tuple[str, ...] = ()  # review_due, expiring_soon
    message: str = ""

    @property
    def in_force(self) -> bool:
        return self.state == "in_force"

    @property
    def label(self) -> str:
        return ", ".join((self.state, *self.flags))


@dataclass(frozen=True)
class Agreement:
    id: str
    version: int
    title: str
    partner: str
    purpose: str
    lawful_basis: str
    councils: tuple[str, ...]
    datasets: tuple[Dataset, ...]
    geography: str
    threshold: int
    suppress_small_counts: bool
    frequency: str
    period_from: dt.date
    period_to: dt.date | None
    start: dt.date
    review: dt.date
    expiry: dt.date
    contacts: tuple[dict, ...]
    returns: Returns | None = None
    notes: str = ""

    def status(self, today: dt.date | None = None, within_days: int = FLAG_WITHIN_DAYS) -> Status:
        """Whether the agreement is in force today, and whether review or expiry is near."""
        today = today or london_today()
        if today < self.start:
            return Status(
                "not_started",
                message=f"agreement {self.id} starts on {self.start:%d %B %Y}; "
                "nothing may be shared before then",
            )
        if today > self.expiry:
            return Status(
                "expired",
                message=f"agreement {self.id} expired on {self.expiry:%d %B %Y}; renew it in "
                "config/sharing_agreements.yml before sharing again",
            )
        flags, notes = [], []
        horizon = today + dt.timedelta(days=within_days)
        if self.review <= horizon:
            flags.append("review_due")
            when = "was due" if self.review < today else "is due"
            notes.append(f"review {when} on {self.review:%d %B %Y}")
        if self.expiry <= horizon:
            flags.append("expiring_soon")
            notes.append(f"expires on {self.expiry:%d %B %Y}")
        message = f"agreement {self.id} is in force" + (f"; {'; '.join(notes)}" if notes else "")
        return Status("in_force", tuple(flags), message)


@dataclass(frozen=True)
class Register:
    agreements: tuple[Agreement, ...]
    path: Path | None = None

    def get(self, agreement_id: str) -> Agreement:
        for agreement in self.agreements:
            if agreement.id == agreement_id:
                return agreement
        known = ", ".join(a.id for a in self.agreements) or "none"
        raise AgreementNotFound(
            f"there is no data-sharing agreement '{agreement_id}' in the register "
            f"(known: {known}); nothing may be shared without one"
        )

    def for_returns(self, partner_code: str) -> list[Agreement]:
        return [a for a in self.agreements if a.returns and a.returns.partner_code == partner_code]


def london_today() -> dt.date:
    return dt.datetime.now(ZoneInfo(environment.TIMEZONE)).date()


def register_path() -> Path:
    return environment.config_dir() / "sharing_agreements.yml"


def _fail(agreement_id: str | None, field_name: str, problem: str):
    who = f"agreement '{agreement_id}'" if agreement_id else "the register"
    raise AgreementError(f"sharing_agreements.yml: {who}, field '{field_name}': {problem}")


def _text(agreement_id, raw: dict, name: str, required: bool = True) -> str:
    value = raw.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        _fail(agreement_id, name, "needs non-empty text")
    return value.strip()


def _date(agreement_id, raw: dict, name: str, required: bool = True) -> dt.date | None:
    value = raw.get(name)
    if value is None and not required:
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        _fail(agreement_id, name, f"needs an ISO date (YYYY-MM-DD), got {value!r}")
    return value


def _choice(agreement_id, raw: dict, name: str, allowed: Iterable[str]) -> str:
    value = raw.get(name)
    if value not in allowed:
        _fail(agreement_id, name, f"must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _no_personal(agreement_id, where: str, columns: Iterable[str]) -> None:
    personal = disclosure.personal_columns(columns)
    if personal:
        _fail(agreement_id, where, f"names personal fields, never shared: {', '.join(personal)}")


def _dataset(agreement_id, raw, geography: str, known_measures: set[str] | None) -> Dataset:
    where = "datasets"
    if not isinstance(raw, dict):
        _fail(agreement_id, where, "each dataset needs name, kind, description and columns")
    name = raw.get("name")
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        _fail(agreement_id, where, f"dataset name {name!r} must be lower_snake_case")
    where = f"datasets.{name}"
    kind = _choice(agreement_id, raw, "kind", ("measures", "table"))
    description = _text(agreement_id, raw, "description")
    columns_raw = raw.get("columns")
    if kind == "measures":
        if not isinstance(columns_raw, list) or not columns_raw:
            _fail(agreement_id, f"{where}.columns", "list the fct_measure_values columns shared")
        unknown = [c for c in columns_raw if c not in MEASURE_COLUMNS]
        if unknown:
            _fail(
                agreement_id,
                f"{where}.columns",
                f"not columns of marts.fct_measure_values: {', '.join(map(str, unknown))}",
            )
        measures = raw.get("measures")
        if not isinstance(measures, list) or not measures:
            _fail(agreement_id, f"{where}.measures", "list the measure ids shared")
        if known_measures is not None:
            missing = [m for m in measures if m not in known_measures]
            if missing:
                _fail(
                    agreement_id,
                    f"{where}.measures",
                    f"not in the measure registry: {', '.join(map(str, missing))}",
                )
        for needed in ("measure_id", "geography_code", "period_start"):
            if needed not in columns_raw:
                _fail(agreement_id, f"{where}.columns", f"must include {needed}")
        return Dataset(
            name=name,
            kind=kind,
            description=description,
            columns={c: MEASURE_COLUMNS[c] for c in columns_raw},
            measures=tuple(measures),
        )
    table = raw.get("table")
    if not isinstance(table, str) or not MARTS_TABLE.match(table):
        _fail(agreement_id, f"{where}.table", f"must name a marts table (marts.x), got {table!r}")
    if not isinstance(columns_raw, dict) or not columns_raw:
        _fail(agreement_id, f"{where}.columns", "map each shared column to its meaning")
    for column, meaning in columns_raw.items():
        if not IDENTIFIER.match(str(column)) or not isinstance(meaning, str) or not meaning:
            _fail(agreement_id, f"{where}.columns.{column}", "needs a plain name and a meaning")
    _no_personal(agreement_id, f"{where}.columns", columns_raw)
    level = _choice(agreement_id, raw, "level", GEOGRAPHY_LEVELS)
    if level != geography:
        _fail(agreement_id, f"{where}.level", f"is {level} but the agreement allows {geography}")
    geography_column = raw.get("geography_column")
    if geography_column not in columns_raw:
        _fail(agreement_id, f"{where}.geography_column", "must be one of the shared columns")
    period_column = raw.get("period_column")
    if period_column is not None and period_column not in columns_raw:
        _fail(agreement_id, f"{where}.period_column", "must be one of the shared columns")
    counts = raw.get("count_columns") or []
    if any(c not in columns_raw for c in counts):
        _fail(agreement_id, f"{where}.count_columns", "must be shared columns")
    return Dataset(
        name=name,
        kind=kind,
        description=description,
        columns=dict(columns_raw),
        table=table,
        geography_column=geography_column,
        period_column=period_column,
        count_columns=tuple(counts),
    )


def _contacts(agreement_id, raw) -> tuple[dict, ...]:
    if not isinstance(raw, list) or not raw:
        _fail(agreement_id, "contacts", "list at least one contact (role, organisation, mailbox)")
    for contact in raw:
        if not isinstance(contact, dict) or not {"role", "organisation", "mailbox"} <= set(contact):
            _fail(agreement_id, "contacts", "each contact needs role, organisation and mailbox")
    return tuple(dict(contact) for contact in raw)


def _returns(agreement_id, raw, known_contracts: set[str] | None) -> Returns | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        _fail(agreement_id, "returns", "needs contract and partner_code")
    contract = _text(agreement_id, raw, "contract")
    if known_contracts is not None and contract not in known_contracts:
        _fail(agreement_id, "returns.contract", f"no contract config/contracts/{contract}.yml")
    return Returns(
        contract=contract,
        partner_code=_text(agreement_id, raw, "partner_code"),
        measure_codes=tuple(raw.get("measure_codes") or ()),
    )


def parse_agreement(
    raw: dict,
    known_measures: set[str] | None = None,
    known_contracts: set[str] | None = None,
) -> Agreement:
    if not isinstance(raw, dict):
        _fail(None, "agreements", "each agreement must be a mapping")
    agreement_id = raw.get("id")
    if not isinstance(agreement_id, str) or not IDENTIFIER.match(agreement_id):
        _fail(None, "id", f"every agreement needs a lower_snake_case id, got {agreement_id!r}")
    for name in REQUIRED_FIELDS:
        if raw.get(name) in (None, "", [], {}):
            _fail(agreement_id, name, "is required")
    version = raw["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        _fail(agreement_id, "version", "must be a whole number from 1")
    councils = raw["councils"]
    if not isinstance(councils, list) or any(c not in COUNCIL_CODES for c in councils):
        _fail(agreement_id, "councils", f"must list council codes from {', '.join(COUNCIL_CODES)}")
    geography = _choice(agreement_id, raw, "geography", GEOGRAPHY_LEVELS)
    rules = raw["disclosure"]
    if not isinstance(rules, dict):
        _fail(agreement_id, "disclosure", "needs threshold and suppress_small_counts")
    threshold = rules.get("threshold", disclosure.DEFAULT_THRESHOLD)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
        _fail(agreement_id, "disclosure.threshold", "must be a whole number from 1")
    suppress = rules.get("suppress_small_counts")
    if not isinstance(suppress, bool):
        _fail(agreement_id, "disclosure.suppress_small_counts", "must be true or false")
    datasets_raw = raw["datasets"]
    if not isinstance(datasets_raw, list):
        _fail(agreement_id, "datasets", "must be a list")
    datasets = tuple(_dataset(agreement_id, d, geography, known_measures) for d in datasets_raw)
    names = [d.name for d in datasets]
    if len(names) != len(set(names)):
        _fail(agreement_id, "datasets", "two datasets share a name")
    periods = raw["periods"]
    if not isinstance(periods, dict):
        _fail(agreement_id, "periods", "needs from (and optionally to)")
    period_from = _date(agreement_id, periods, "from")
    period_to = _date(agreement_id, periods, "to", required=False)
    start = _date(agreement_id, raw, "start")
    review = _date(agreement_id, raw, "review")
    expiry = _date(agreement_id, raw, "expiry")
    if not start <= review <= expiry:
        _fail(agreement_id, "review", "dates must run start <= review <= expiry")
    if period_to is not None and period_to < period_from:
        _fail(agreement_id, "periods.to", "is before periods.from")
    return Agreement(
        id=agreement_id,
        version=version,
        title=_text(agreement_id, raw, "title"),
        partner=_text(agreement_id, raw, "partner"),
        purpose=_text(agreement_id, raw, "purpose"),
        lawful_basis=_text(agreement_id, raw, "lawful_basis"),
        councils=tuple(councils),
        datasets=datasets,
        geography=geography,
        threshold=threshold,
        suppress_small_counts=suppress,
        frequency=_choice(agreement_id, raw, "frequency", FREQUENCIES),
        period_from=period_from,
        period_to=period_to,
        start=start,
        review=review,
        expiry=expiry,
        contacts=_contacts(agreement_id, raw["contacts"]),
        returns=_returns(agreement_id, raw.get("returns"), known_contracts),
        notes=_text(agreement_id, raw, "notes", required=False),
    )


def parse_register(
    data,
    known_measures: set[str] | None = None,
    known_contracts: set[str] | None = None,
    path: Path | None = None,
) -> Register:
    if not isinstance(data, dict) or not isinstance(data.get("agreements"), list):
        _fail(None, "agreements", "the file needs a list of agreements")
    agreements = tuple(
        parse_agreement(raw, known_measures, known_contracts) for raw in data["agreements"]
    )
    ids = [a.id for a in agreements]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        _fail(duplicates[0], "id", "is defined twice")
    return Register(agreements, path)


def load_register(path: Path | None = None, check_references: bool = True) -> Register:
    """Read and validate the register; measure ids and contracts checked against the config."""
    path = Path(path or register_path())
    if not path.exists():
        raise AgreementError(f"{path}: the register of data-sharing agreements is missing")
    data = yamlfiles.load_mapping(path, "agreements", AgreementError)
    known_measures = known_contracts = None
    if check_references:
        from orchestration.lib import contracts
        from orchestration.lib.registry import measures

        known_measures = {m.id for m in measures.load_registry().measures}
        known_contracts = set(contracts.all_contracts())
    return parse_register(data, known_measures, known_contracts, path)


@dataclass
class StatusLine:
    agreement: Agreement
    status: Status = field(default_factory=lambda: Status("in_force"))

    def as_line(self) -> str:
        a = self.agreement
        return (
            f"{a.id:<28} {self.status.label:<30} {a.partner} ({a.geography}, {a.frequency}; "
            f"review {a.review:%d %b %Y}, expires {a.expiry:%d %b %Y})"
        )


def status_lines(register: Register, today: dt.date | None = None) -> list[StatusLine]:
    return [StatusLine(a, a.status(today)) for a in register.agreements]

"""Every register of config/, its model and its JSON Schema; and the check of them all that
`bdc config check` runs (no warehouse, no dbt).

A register's JSON Schema (config/schemas/<name>.schema.json) is generated from its model, and
each of its YAML files names it on its first line, so editors (VS Code's YAML extension and
others that read the `yaml-language-server` comment) complete and check keys as they are typed:

    # yaml-language-server: $schema=../schemas/measures.schema.json
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from orchestration.lib import environment
from orchestration.lib.registers.analysis import Annotations, Trials
from orchestration.lib.registers.base import References
from orchestration.lib.registers.contracts import Contract
from orchestration.lib.registers.councils import Councils
from orchestration.lib.registers.measures import MeasureFile
from orchestration.lib.registers.problems import Problem, RegisterError
from orchestration.lib.registers.reporting import FocusLists, ReportingCalendar
from orchestration.lib.registers.sharing import SharingRegister

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
MODELINE = "# yaml-language-server: $schema="


@dataclass(frozen=True)
class Register:
    name: str  # config/schemas/<name>.schema.json
    files: str  # the register's files, a pattern within config/
    model: type[BaseModel]  # the model of one file

    @property
    def schema_file(self) -> str:
        return f"{self.name}.schema.json"

    def paths(self, config_dir: Path) -> list[Path]:
        return sorted(Path(config_dir).glob(self.files))

    def modeline(self, path: Path, config_dir: Path) -> str:
        """The first line of one of its files: the schema's path relative to the file."""
        depth = len(Path(path).relative_to(config_dir).parts) - 1
        folder = "../" * depth or "./"
        return f"{MODELINE}{folder}schemas/{self.schema_file}"

    def schema(self) -> dict:
        schema = _tidy(self.model.model_json_schema())
        return {"$schema": SCHEMA_DIALECT, **schema}


def _tidy(schema):
    """As the models check: a mapping keyed by council codes takes no other key; and each
    description on one line, as editors show it."""
    if isinstance(schema, list):
        return [_tidy(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    tidy = {key: _tidy(value) for key, value in schema.items()}
    if "patternProperties" in tidy:
        tidy.setdefault("additionalProperties", False)
    if isinstance(tidy.get("description"), str):
        tidy["description"] = " ".join(tidy["description"].split())
    return tidy


REGISTERS = (
    Register("councils", "councils.yml", Councils),
    Register("contracts", "contracts/*.yml", Contract),
    Register("measures", "measures/*.yml", MeasureFile),
    Register("sharing_agreements", "sharing_agreements.yml", SharingRegister),
    Register("reporting_calendar", "reporting_calendar.yml", ReportingCalendar),
    Register("cmt_focus", "cmt_focus.yml", FocusLists),
    Register("trials", "trials.yml", Trials),
    Register("spc_annotations", "spc_annotations.yml", Annotations),
)


def schemas_dir(config_dir: Path | None = None) -> Path:
    return Path(config_dir or environment.config_dir()) / "schemas"


def schema_text(register: Register) -> str:
    return json.dumps(register.schema(), indent=2, ensure_ascii=False) + "\n"


def write_schemas(config_dir: Path | None = None) -> list[Path]:
    """Write every register's JSON Schema; the paths of those that changed."""
    folder = schemas_dir(config_dir)
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for register in REGISTERS:
        path = folder / register.schema_file
        text = schema_text(register)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def missing_modelines(config_dir: Path | None = None) -> list[tuple[Path, str]]:
    """The register files whose first line does not name their schema, with the line."""
    config_dir = Path(config_dir or environment.config_dir())
    missing = []
    for register in REGISTERS:
        for path in register.paths(config_dir):
            line = register.modeline(path, config_dir)
            with path.open(encoding="utf-8") as handle:
                if handle.readline().rstrip("\n") != line:
                    missing.append((path, line))
    return missing


def write_modelines(config_dir: Path | None = None) -> list[Path]:
    """Make each register file's first line name its schema (replacing an older such line);
    the files changed. Nothing else in the file changes."""
    changed = []
    for path, line in missing_modelines(config_dir):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        if lines and lines[0].startswith(MODELINE):
            lines = lines[1:]
        path.write_text(line + "\n" + "".join(lines), encoding="utf-8")
        changed.append(path)
    return changed


def stale_schemas(config_dir: Path | None = None) -> list[Path]:
    """The committed schemas that differ from (or are missing beside) the models."""
    folder = schemas_dir(config_dir)
    return [
        folder / register.schema_file
        for register in REGISTERS
        if not (folder / register.schema_file).exists()
        or (folder / register.schema_file).read_text(encoding="utf-8") != schema_text(register)
    ]


def as_json(value):
    """YAML data as JSON data (dates as ISO text), as an editor validates it."""
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass
class Report:
    """What `bdc config check` found: how much of each register it read, and the problems."""

    counts: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        """ "8 registers, 2 councils, 18 contracts, 128 measures, ...": what was read."""
        return ", ".join(
            f"{self.counts[name]} {name if self.counts[name] != 1 else name[:-1]}"
            for name in COUNTED
            if name in self.counts
        )


COUNTED = ("registers", "councils", "contracts", "measures", "purposes", "agreements",
           "focus lists", "trials", "annotations")  # fmt: skip


def check_all(config_dir: Path | None = None) -> Report:
    """Validate every register of the folder, as the pipeline's loaders do, collecting every
    problem. One register's problems do not hide another's: a reference to a register that
    has problems is checked against what that register's files name."""
    from orchestration.lib import contracts
    from orchestration.lib.analysis import annotations, trials
    from orchestration.lib.registers import councils as councils_register
    from orchestration.lib.registry import measures
    from orchestration.lib.reporting import calendar, focus
    from orchestration.lib.sharing import agreements

    config_dir = Path(config_dir or environment.config_dir())
    report = Report()
    report.counts["registers"] = len(REGISTERS)

    def attempt(read, *args, **kwargs):
        try:
            return read(*args, **kwargs)
        except RegisterError as error:
            report.problems.extend(error.problems)
            return None

    councils_path = config_dir / "councils.yml"
    found_councils = attempt(councils_register.load, councils_path)
    if found_councils is None:
        found_councils = _keys(councils_path)
    report.counts["councils"] = len(found_councils)

    found_contracts, problems = contracts.check_folder(config_dir / "contracts")
    report.problems += problems
    report.counts["contracts"] = len(list((config_dir / "contracts").glob("*.yml")))
    refs = References(
        councils=frozenset(found_councils),
        sources=frozenset(path.stem for path in (config_dir / "contracts").glob("*.yml")),
    )
    if "service_cases" in found_contracts:
        cases = found_contracts["service_cases"]
        refs = dataclasses.replace(
            refs,
            case_services=frozenset(cases.column("service").allowed or ()),
            case_types=frozenset(cases.column("case_type").allowed or ()),
        )

    registry, problems = measures.check_registry(config_dir / "measures", refs)
    report.problems += problems
    if registry is not None:
        ids = {m.id: frozenset(m.definition.councils) for m in registry.measures}
        report.counts["purposes"] = len(registry.purposes)
    else:
        ids = _measure_ids_as_written(config_dir / "measures", refs.councils)
    report.counts["measures"] = len(ids)
    refs = dataclasses.replace(refs, measures=ids)

    register = attempt(agreements.load_register, config_dir / "sharing_agreements.yml", refs=refs)
    report.counts["agreements"] = len(register.agreements) if register else 0
    attempt(calendar.load, config_dir / "reporting_calendar.yml", refs)
    lists = attempt(focus.load_lists, config_dir / "cmt_focus.yml", refs)
    report.counts["focus lists"] = len(lists or ())
    found = attempt(trials.load, config_dir / "trials.yml", refs)
    report.counts["trials"] = len(found or ())
    found = attempt(annotations.load, config_dir / "spc_annotations.yml", refs)
    report.counts["annotations"] = len(found or ())
    return report


def _keys(path: Path) -> list[str]:
    """The top-level keys of a file that did not validate (its councils, as written)."""
    from orchestration.lib import yamlfiles

    try:
        data = yamlfiles.read(path).data
    except RegisterError:
        return []
    return [str(key) for key in data] if isinstance(data, dict) else []


def _measure_ids_as_written(folder: Path, councils) -> dict[str, frozenset[str]]:
    """The measure ids the files name, for checking references while the registry itself has
    problems (each taken to apply to every council)."""
    from orchestration.lib import yamlfiles

    ids: dict[str, frozenset[str]] = {}
    for path in sorted(folder.glob("*.yml")):
        try:
            data = yamlfiles.read(path).data
        except RegisterError:
            continue
        entries = data.get("measures") if isinstance(data, dict) else None
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                ids[entry["id"]] = frozenset(councils or ())
    return ids

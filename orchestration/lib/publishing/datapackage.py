"""The open data described for software: a Frictionless Data Package per council.

`datapackage.json` sits beside a council's CSV, JSON and ODS files (docs/site.md, "Open data").
It names one resource per dataset (its CSV; the JSON and ODS hold the same rows and columns),
with a Table Schema: each column's type, title, description, unit and constraints, the primary
key (the rows' order too) and foreign keys. It gives the licence, the sources and, for every
published statistic a dataset draws on, the publication and edition the snapshot's manifest
(data/reference/manifest.yml) records.

Numbers only in numeric columns: a figure that is suppressed or not available is an empty cell,
and its GSS marker ([c], [x], [z]) is in the column of the same name ending `_marker`. So the
only missing value is the empty cell. Listing the markers as missing values would also blank
the marker columns for a reader (missing values apply to every column) and would let a marker
that strayed into a number's cell pass validation unnoticed.

The file is byte-reproducible like the data files: keys in a fixed order, no wall-clock time
(`created` is when the newest figure was loaded).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from pathlib import Path

from orchestration.lib import demonstration as demo
from orchestration.lib import environment
from orchestration.lib.ingest.reference import manifest
from orchestration.lib.publishing import disclosure, publish

FILENAME = "datapackage.json"
MISSING_VALUES = [""]
SQL_TYPES = {
    "text": "string",
    "date": "date",
    "numeric": "number",
    "int": "integer",
    "boolean": "boolean",
    "timestamptz": "datetime",
}
LICENCE_ID = "OGL-UK-3.0"  # the SPDX identifier of the Open Government Licence v3.0
FORMATS = {
    "csv": "text/csv",
    "json": "application/json",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
# The CSV files as downloads.write_csv writes them.
CSV_DIALECT = {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "header": True}

GSS_MISSING = [disclosure.SUPPRESSED, disclosure.NOT_AVAILABLE, disclosure.NOT_APPLICABLE]
MARKER_TEXT = (
    "GSS marker of {column}: [c] suppressed to protect confidentiality, [x] not available, "
    "[z] not applicable. Empty when {column} is published."
)


def _marker(column: str, title: str) -> dict:
    return {
        "title": f"{title}: marker",
        "description": MARKER_TEXT.format(column=column),
        "constraints": {"enum": GSS_MISSING},
    }


# Each column's title, description, and where it has one, its unit (a custom property) and
# constraints. Every column of build.DATASETS needs an entry (tests/unit/publishing/
# test_datapackage.py fails without one).
FIELDS: dict[str, dict] = {
    "measure_id": {
        "title": "Measure",
        "description": "The measure's identifier (the measures dataset describes each).",
    },
    "name": {"title": "Measure name", "description": "The measure's name as the site shows it."},
    "measure_name": {
        "title": "Measure name",
        "description": "The measure's name as the site shows it.",
    },
    "purpose_code": {
        "title": "Purpose",
        "description": "The council purpose the measure belongs to.",
    },
    "service_area": {"title": "Service area", "description": "The service that reports it."},
    "definition": {"title": "Definition", "description": "What the measure counts or measures."},
    "numerator_definition": {
        "title": "Numerator",
        "description": "What the numerator counts (ratio measures).",
    },
    "denominator_definition": {
        "title": "Denominator",
        "description": "What the denominator counts (ratio measures).",
    },
    "unit": {
        "title": "Unit",
        "description": (
            "The unit of the measure's values: percent, days, count, rate_per_1000 (per 1,000 "
            "residents), per_100k (per 100,000) or gbp (pounds sterling)."
        ),
        "constraints": {"enum": ["percent", "days", "count", "rate_per_1000", "per_100k", "gbp"]},
    },
    "polarity": {
        "title": "Polarity",
        "description": "Whether higher or lower values are better, or neither (neutral).",
        "constraints": {"enum": ["higher", "lower", "neutral"]},
    },
    "frequency": {
        "title": "Frequency",
        "description": "How often a value is published.",
        "constraints": {"enum": ["monthly", "quarterly", "annual"]},
    },
    "target": {
        "title": "Target",
        "description": "The target, in the measure's unit; empty when it has none.",
    },
    "source": {
        "title": "Source",
        "description": "The systems or published statistics its values are calculated from.",
    },
    "data_quality_notes": {
        "title": "Data quality notes",
        "description": "What a reader should know about the data's quality.",
    },
    "period_start": {
        "title": "Period start",
        "description": "First day of the period (month, quarter or year).",
    },
    "period_end": {"title": "Period end", "description": "Last day of the period."},
    "geography_type": {
        "title": "Area type",
        "description": (
            "council (the whole district), locality, ward, or lad: another local authority "
            "district's figure from the same published statistics, for comparison."
        ),
        "constraints": {"enum": ["council", "lad", "locality", "ward"]},
    },
    "geography_code": {
        "title": "Area code",
        "description": (
            "ONS GSS code of the council, district (lad) or ward; for a locality its code in "
            "the locality-profiles dataset."
        ),
    },
    "geography_name": {
        "title": "Area name",
        "description": "Name of the ward or locality; empty for the council.",
    },
    "numerator": {
        "title": "Numerator",
        "description": "The count the value is calculated from (see numerator_marker if empty).",
    },
    "numerator_marker": _marker("numerator", "Numerator"),
    "denominator": {
        "title": "Denominator",
        "description": "What the numerator is divided by (see denominator_marker if empty).",
    },
    "denominator_marker": _marker("denominator", "Denominator"),
    "value": {
        "title": "Value",
        "description": "The measure's value, in the unit in `unit` (see value_marker if empty).",
    },
    "value_marker": _marker("value", "Value"),
    "status_marker": {
        "title": "Status",
        "description": "[p] provisional, [r] revised; empty for a final figure.",
        "constraints": {"enum": [disclosure.PROVISIONAL, disclosure.REVISED]},
    },
    "last_updated": {
        "title": "Last updated",
        "description": "When the figure was loaded into the council's data warehouse.",
    },
    "mark": {
        "title": "Quality mark",
        "description": (
            "The worst result over six criteria: pass, waived, warn (an issue to note) or fail."
        ),
        "constraints": {"enum": ["pass", "waived", "warn", "fail"]},
    },
    "failing_criteria": {
        "title": "Criteria not met",
        "description": "The criteria that warned or failed, comma-separated.",
    },
    "what_data_shows": {"title": "What the data shows", "description": "Officers' commentary."},
    "why": {"title": "Why", "description": "Why the figures are as they are."},
    "what_we_are_doing": {
        "title": "What we are doing",
        "description": "What the council is doing about it.",
    },
    "confirmed_on": {
        "title": "Signed off on",
        "description": "The day the commentary was signed off for publication.",
    },
    "ward_code": {"title": "Ward code", "description": "ONS GSS code of the electoral ward."},
    "ward_name": {"title": "Ward name", "description": "Name of the electoral ward."},
    "locality_code": {
        "title": "Locality code",
        "description": "The council's locality (a group of wards); empty if in none.",
    },
    "locality_name": {"title": "Locality name", "description": "Name of the locality."},
    "population": {
        "title": "Population",
        "description": "Residents, from ONS population estimates (see population_marker if empty).",
        "unit": "people",
        "constraints": {"minimum": 0},
    },
    "population_marker": _marker("population", "Population"),
    "households": {
        "title": "Households",
        "description": "Households (see households_marker if empty).",
        "unit": "households",
        "constraints": {"minimum": 0},
    },
    "households_marker": _marker("households", "Households"),
    "imd_score": {
        "title": "Deprivation score",
        "description": (
            "Average Index of Multiple Deprivation score of the area's neighbourhoods (LSOAs), "
            "latest edition; higher is more deprived."
        ),
        "unit": "IMD score",
    },
    "imd_decile": {
        "title": "Most deprived decile",
        "description": (
            "The most deprived national decile among the area's neighbourhoods "
            "(1 = among the most deprived 10% in England)."
        ),
        "unit": "decile",
        "constraints": {"minimum": 1, "maximum": 10},
    },
    "ward_count": {
        "title": "Wards",
        "description": "Wards in the locality.",
        "unit": "wards",
        "constraints": {"minimum": 0},
    },
    "as_of": {"title": "As of", "description": "The date the profile's figures refer to."},
    "service": {"title": "Service", "description": "The council service."},
    "spend": {
        "title": "Spend",
        "description": "Net cost of the service in the month, from the finance ledger.",
        "unit": "GBP",
    },
    "transactions": {
        "title": "Transactions",
        "description": "Contacts the service handled in the month.",
        "unit": "transactions",
        "constraints": {"minimum": 0},
    },
    "cost_per_transaction": {
        "title": "Cost per transaction",
        "description": "Spend divided by transactions (see cost_per_transaction_marker if empty).",
        "unit": "GBP per transaction",
    },
    "cost_per_transaction_marker": _marker("cost_per_transaction", "Cost per transaction"),
    demo.CSV_COLUMN: {
        "title": "Data note",
        "description": demo.EXPLANATION,
        "constraints": {"enum": [demo.LABEL]},
    },
}

# Columns a download takes from elsewhere than its own publish table, with their SQL types.
BORROWED_TYPES = {"measure_name": "text", "unit": "text", demo.CSV_COLUMN: "text"}


def column_types(table: str) -> dict[str, str]:
    """Each column of a publish table and its Table Schema type, from publish.TABLES (so the
    package follows the tables' definitions)."""
    body = re.sub(r",\s*primary key \([^)]*\)", "", publish.TABLES[table])
    types = {}
    for part in body.split(","):
        words = part.split()
        if words:
            types[words[0]] = SQL_TYPES[words[1]]
    return types


def schema(spec: dict, columns: list[str], foreign_keys: list[dict]) -> dict:
    types = column_types(spec["table"]) | {c: SQL_TYPES[t] for c, t in BORROWED_TYPES.items()}
    key = spec["primary_key"]
    fields = []
    for column in columns:
        about = FIELDS[column]
        field = {
            "name": column,
            "type": types[column],
            "title": about["title"],
            "description": about["description"],
        }
        if "unit" in about:
            field["unit"] = about["unit"]
        constraints = dict(about.get("constraints", {}))
        if column in key:
            constraints["required"] = True
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    out = {"fields": fields, "missingValues": MISSING_VALUES, "primaryKey": list(key)}
    if foreign_keys:
        out["foreignKeys"] = foreign_keys
    return out


def statistics(reference_dir: Path | None = None) -> list[manifest.Entry]:
    """The published statistics the warehouse loads, as the snapshot's manifest records them."""
    folder = Path(reference_dir or environment.reference_dir())
    path = folder / manifest.MANIFEST_NAME
    if not path.is_file():
        return list(manifest.load(folder).values())  # raises, saying what is missing
    stat = path.stat()
    return _manifest(folder, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _manifest(folder: Path, _mtime_ns: int, _size: int) -> list[manifest.Entry]:
    """Read once per build, not per council (parsing it takes a tenth of a second); read
    again when the file changes (`bdc reference update` in a long-running process)."""
    return list(manifest.load(folder).values())


def _statistic(entry: manifest.Entry, measures: list[str]) -> dict:
    source = {
        "title": f"{entry.publisher}: {entry.title}",
        "path": entry.official_url,
        "edition": entry.edition,
        "publisher": entry.publisher,
        "licence": entry.licence,
        "attribution": entry.attribution,
        "retrieved": entry.retrieved,
    }
    if measures:
        source["measures"] = measures
    return source


def sources(spec: dict, measures: list[dict], entries: list[manifest.Entry]) -> list[dict]:
    """The dataset's source in words, then each published statistic it draws on with its
    edition: those the spec names (loaders, e.g. ref_population) and, for datasets of measures,
    those each measure's `source` names (with the measures that use it)."""
    out = [{"title": spec["source"]}]
    uses: dict[str, list[str]] = {}
    for loader in spec.get("statistics", ()):
        uses.setdefault(loader, [])
    if spec.get("statistics_of_measures"):
        for measure in measures:
            for loader in (measure.get("source") or "").split(","):
                uses.setdefault(loader.strip(), []).append(measure["measure_id"])
    for entry in entries:
        if entry.loader in uses:
            out.append(_statistic(entry, sorted(set(uses[entry.loader]))))
    return out


def created(rows: list[dict]) -> str | None:
    """When the newest figure was loaded (RFC 3339, UTC): stable from build to build."""
    stamps = [r["last_updated"] for r in rows if r.get("last_updated") is not None]
    if not stamps:
        return None
    newest = max(stamps)
    if newest.tzinfo is None:
        newest = newest.replace(tzinfo=dt.UTC)
    return newest.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def package(
    council: dict,
    datasets: list[dict],
    tables: dict[str, list[dict]],
    *,
    licence: tuple[str, str],
    demonstration: bool = False,
    entries: list[manifest.Entry] | None = None,
) -> dict:
    """The Data Package descriptor of one council's open data. `datasets`: the specs of
    build.DATASETS; `tables`: the council's publish rows."""
    entries = statistics() if entries is None else entries
    measures = tables.get("measures", [])
    names = {spec["name"] for spec in datasets}
    resources = []
    for spec in datasets:
        columns = [*spec["columns"], *([demo.CSV_COLUMN] if demonstration else [])]
        foreign_keys = [
            {"fields": [column], "reference": {"resource": target, "fields": [column]}}
            for column, target in spec.get("foreign_keys", {}).items()
            if target in names
        ]
        key = ", ".join(spec["primary_key"])
        resource = {
            "name": spec["name"],
            "title": spec["title"],
            "description": f"{spec['description']} Rows in order of {key}.",
            "profile": "tabular-data-resource",
            "path": f"{spec['name']}.csv",
            "format": "csv",
            "mediatype": FORMATS["csv"],
            "encoding": "utf-8",
            "dialect": CSV_DIALECT,
            "schema": schema(spec, columns, foreign_keys),
            "sources": sources(spec, measures, entries),
            "licenses": [_licence(licence)],
            # The same rows and columns in other formats (the JSON without the data_note
            # column: its notice is said once, up front).
            "alternativeFormats": [
                {"path": f"{spec['name']}.{ext}", "format": ext, "mediatype": FORMATS[ext]}
                for ext in ("json", "ods")
            ],
        }
        resources.append(resource)
    all_sources: list[dict] = []
    for resource in resources:
        for source in resource["sources"]:
            plain = {k: v for k, v in source.items() if k != "measures"}
            if plain not in all_sources:
                all_sources.append(plain)
    descriptor = {
        "profile": "tabular-data-package",
        "name": f"{council['slug']}-performance-open-data",
        "title": f"{council['name']}: performance open data",
        "description": (
            "Performance measures, their values by council, locality and ward, data quality, "
            f"commentary, area profiles and cost of service published by {council['name']}. "
            "Small-area counts are suppressed under disclosure control: a suppressed or "
            "unavailable figure is an empty cell, with its marker in the column beside it."
        ),
        "keywords": ["local government", "performance", council["name"]],
        "licenses": [_licence(licence)],
        "contributors": [{"title": council["name"], "role": "publisher"}],
        "sources": all_sources,
    }
    when = created(tables.get("measure_values", []))
    if when:
        descriptor["created"] = when
    if demonstration:
        descriptor["title"] += f" ({demo.LABEL})"
        descriptor["description"] += f" {demo.LABEL}. {demo.EXPLANATION}"
    descriptor["resources"] = resources
    return descriptor


def _licence(licence: tuple[str, str]) -> dict:
    title, url = licence
    return {"name": LICENCE_ID, "path": url, "title": title}


def write(folder: Path, council: dict, datasets: list[dict], tables, **options) -> Path:
    """Write `folder`/datapackage.json; returns its path."""
    path = folder / FILENAME
    text = json.dumps(package(council, datasets, tables, **options), ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")
    return path

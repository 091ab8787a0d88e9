"""Build the static public site from publish.* (read as public_reader) into build/site/.

The publication gate is asked first: when it says no, nothing is written and the last good
site stays where it is. The new site is written beside the old one and swapped in at the end,
so a failed build never leaves a half-written site.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import shutil
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from orchestration.lib import demonstration, environment, neighbours
from orchestration.lib.publishing import data, disclosure, downloads
from orchestration.lib.publishing import format as fmt

log = logging.getLogger(__name__)

SITE_DIR = environment.REPO_ROOT / "site"
LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
OUTPUT = "site"
CSS_CACHE = environment.REPO_ROOT / "build" / ".cache" / "site-css"
AREA_FOLDERS = {"ward": "wards", "locality": "localities"}


class SiteBlocked(RuntimeError):
    """The publication gate said no: the last good site was kept."""


class SiteSetupError(RuntimeError):
    """Something the build needs is missing (e.g. the npm packages)."""


@dataclass
class SiteResult:
    out_dir: Path
    pages: list[str]
    files: list[str]
    seconds: float
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"Built {len(self.pages)} pages and {len(self.files)} data files in "
            f"{self.seconds:.1f} s under {self.out_dir}"
        )


def councils() -> dict[str, dict]:
    return environment.councils()


def site_dir() -> Path:
    return environment.output_dir() / "site"


def build_site(
    admin_url: str,
    public_url: str,
    out_dir: Path | None = None,
    *,
    gate: Callable | None = None,
) -> SiteResult:
    """Ask the gate, read publish.* as public_reader, write the site, swap it in."""
    started = time.perf_counter()
    out_dir = out_dir or site_dir()
    decision = (gate or _gate)(admin_url, OUTPUT)
    if not decision.allowed:
        kept = "the last good site is kept" if out_dir.exists() else "no site has been built yet"
        raise SiteBlocked(f"{decision.summary()}; {kept} ({out_dir}).")
    tables = data.load(public_url)
    # Invented internal data (`bdc demo`) is labelled on every page and in every data file.
    demo = demonstration.is_demonstration(admin_url)
    staging = out_dir.parent / f".{out_dir.name}.new"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        writer = SiteWriter(staging, tables, demonstration=demo)
        writer.write_all()
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SiteResult(
        out_dir,
        writer.pages,
        writer.files,
        time.perf_counter() - started,
        list(decision.warnings),
    )


def _gate(url: str, output: str):
    from orchestration.lib.quality.gate import check_gate

    return check_gate(url, output)


def _swap(staging: Path, out_dir: Path) -> None:
    old = out_dir.parent / f".{out_dir.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def jinja_env() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(SITE_DIR / "templates"),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=fmt.number,
        marker=fmt.marker,
        cell=fmt.cell,
        month=fmt.month,
        day=fmt.day,
        period=fmt.period,
        sources=fmt.sources,
    )
    env.globals.update(
        QUALITY_TEXT=fmt.QUALITY_TEXT,
        VARIATION_TEXT=fmt.VARIATION_TEXT,
        ASSURANCE_TEXT=fmt.ASSURANCE_TEXT,
        MARKERS=disclosure.MARKERS,
        link=fmt.link,
        target_text=fmt.target_text,
        LICENCE=LICENCE,
        LICENCE_URL=LICENCE_URL,
        DEMONSTRATION_LABEL=demonstration.LABEL,
        DEMONSTRATION_TEXT=demonstration.EXPLANATION,
    )
    return env


def stylesheet() -> str:
    """The compiled CSS (Sass compiled once per change of the sources, then cached)."""
    sources = sorted((SITE_DIR / "scss").rglob("*.scss"))
    package = environment.REPO_ROOT / "node_modules" / "govuk-frontend" / "package.json"
    sass = environment.REPO_ROOT / "node_modules" / ".bin" / "sass"
    if not sass.exists() or not package.exists():
        raise SiteSetupError(
            "The site's npm packages are missing: run `npm ci` in the repository (make setup)."
        )
    digest = hashlib.sha256(package.read_bytes())
    for source in sources:
        digest.update(source.read_bytes())
    cache = CSS_CACHE / f"{digest.hexdigest()[:16]}.css"
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                str(sass),
                "--pkg-importer=node",
                "--no-source-map",
                "--style=compressed",
                "--quiet-deps",
                str(SITE_DIR / "scss" / "site.scss"),
                str(cache),
            ],
            capture_output=True,
            text=True,
            cwd=environment.REPO_ROOT,
        )
        if result.returncode != 0:
            raise SiteSetupError(f"Sass failed: {result.stderr.strip()[:400]}")
    return cache.read_text()


class SiteWriter:
    """Renders every page and data file of the site into one folder."""

    def __init__(self, root: Path, tables: dict[str, list[dict]], *, demonstration: bool = False):
        self.root = root
        self.tables = tables
        self.demonstration = demonstration  # built from `bdc demo`'s invented internal data
        sources = neighbours.source_labels()
        self.neighbour_rows = [
            {**row, "source": sources.get(row["source_table"], "")}
            for row in tables.get("neighbour_comparison", [])
        ]
        self.env = jinja_env()
        self.councils = councils()
        self.pages: list[str] = []
        self.files: list[str] = []
        self.workers: ProcessPoolExecutor | None = None  # set by write_all
        self.pending: list = []

    def page(self, path: str, template: str, **context) -> None:
        target = self.root / path / "index.html" if path else self.root / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        depth = len([p for p in path.split("/") if p])
        context.setdefault("council", None)
        html = self.env.get_template(template).render(
            root="../" * depth,
            path=path,
            councils=self.councils,
            demonstration=self.demonstration,
            **context,
        )
        target.write_text(html, encoding="utf-8")
        self.pages.append(path + "/" if path else "")

    def write_all(self) -> None:
        assets = self.root / "assets"
        assets.mkdir()
        (assets / "site.css").write_text(stylesheet(), encoding="utf-8")
        shutil.copy(SITE_DIR / "static" / "favicon.svg", assets / "favicon.svg")
        # The CSV and ODS files (pure-Python zips) are the larger part of the site's work:
        # worker processes (spawned, not forked, from a threaded host) write them while the
        # pages render here.
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=spawn) as pool:
            self.workers, self.pending = pool, []
            self.page("", "root.html")
            for code, council in self.councils.items():
                self.write_council(code, council)
            for written in self.pending:
                written.result()

    def write_council(self, code: str, council: dict) -> None:
        site = data.for_council(self.tables, code)
        slug = council["slug"]
        ctx = {"council": council, "site": site, "base": slug}
        measures_by_purpose: dict[str, list[dict]] = {}
        for measure in site.measures:
            measures_by_purpose.setdefault(measure["purpose_code"], []).append(measure)
        latest = {m["measure_id"]: self.latest_council_value(site, m) for m in site.measures}
        purposes = [p for p in site.purposes if measures_by_purpose.get(p["purpose_code"])]
        datasets = self.write_downloads(site, council)  # first: its ODS files take longest
        self.page(
            slug,
            "home.html",
            purposes=purposes,
            by_purpose=measures_by_purpose,
            latest=latest,
            **ctx,
        )
        for purpose in purposes:
            self.page(
                f"{slug}/purposes/{purpose['purpose_code']}",
                "purpose.html",
                purpose=purpose,
                measures=measures_by_purpose[purpose["purpose_code"]],
                latest=latest,
                **ctx,
            )
        purpose_names = {p["purpose_code"]: p["purpose_name"] for p in site.purposes}
        for measure in site.measures:
            self.write_measure(site, measure, purpose_names, ctx)
        self.write_areas(site, ctx)
        self.page(
            f"{slug}/neighbours",
            "neighbours.html",
            comparisons=neighbours.comparisons(self.neighbour_rows, code),
            nearest_note=neighbours.nearest_note(
                self.tables.get("nearest_neighbours", []), code, council["short_name"]
            ),
            **ctx,
        )
        self.page(f"{slug}/finance", "finance.html", costs=site.costs, **ctx)
        self.page(f"{slug}/open-data", "open_data.html", datasets=datasets, **ctx)
        self.page(f"{slug}/accessibility", "accessibility.html", **ctx)

    @staticmethod
    def latest_council_value(site, measure) -> dict | None:
        rows = [
            r
            for r in site.values.get(measure["measure_id"], [])
            if r["geography_type"] == "council"
        ]
        return rows[-1] if rows else None

    def write_measure(self, site, measure, purpose_names, ctx) -> None:
        measure_id = measure["measure_id"]
        rows = site.values.get(measure_id, [])
        council_rows = [r for r in rows if r["geography_type"] == "council"]
        latest = council_rows[-1] if council_rows else None
        areas = []
        if latest:
            areas = [
                r
                for r in rows
                if r["geography_type"] in ("ward", "locality")
                and r["period_start"] == latest["period_start"]
                and r["period_end"] == latest["period_end"]
            ]
        comparison_id = neighbours.MEASURE_COMPARISONS.get(measure_id)
        comparison = next(
            (
                c
                for c in neighbours.comparisons(
                    [r for r in self.neighbour_rows if r["comparison_id"] == comparison_id],
                    measure["council_code"],
                )
            ),
            None,
        )
        self.page(
            f"{ctx['base']}/measures/{measure_id}",
            "measure.html",
            measure=measure,
            purpose_name=purpose_names.get(measure["purpose_code"]),
            council_rows=council_rows,
            latest=latest,
            areas=areas,
            comparison=comparison,
            chart=site.charts.get(measure_id),
            quality=site.quality.get(measure_id),
            commentary=site.commentary.get(measure_id, []),
            last_updated=data.latest_date(rows, "last_updated"),
            **ctx,
        )

    def write_areas(self, site, ctx) -> None:
        base = ctx["base"]
        measures = {m["measure_id"]: m for m in site.measures}
        self.page(
            f"{base}/areas", "areas.html", wards=site.wards, localities=site.localities, **ctx
        )
        # Each area's latest row per measure, in one pass over the values (rows are in period
        # order, so the last one seen is the latest).
        latest_in_area: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
        for measure_id, rows in site.values.items():
            if measure_id in measures:
                for row in rows:
                    latest_in_area[row["geography_type"], row["geography_code"]][measure_id] = row
        for kind, areas, code_column, name_column in (
            ("ward", site.wards, "ward_code", "ward_name"),
            ("locality", site.localities, "locality_code", "locality_name"),
        ):
            for area in areas:
                latest = latest_in_area.get((kind, area[code_column]), {})
                key_values = [(measures[m], row) for m, row in latest.items()]
                key_values.sort(key=lambda pair: pair[0]["name"])
                wards_here = [w for w in site.wards if w["locality_code"] == area[code_column]]
                self.page(
                    f"{base}/{AREA_FOLDERS[kind]}/{area[code_column]}",
                    "area.html",
                    kind=kind,
                    area=area,
                    area_name=area[name_column],
                    key_values=key_values,
                    wards_here=wards_here if kind == "locality" else [],
                    **ctx,
                )

    def write_downloads(self, site, council) -> list[dict]:
        folder = self.root / "data" / council["slug"]
        folder.mkdir(parents=True, exist_ok=True)
        datasets = []
        for spec in DATASETS:
            rows = site.tables.get(spec["table"], [])
            columns = [c for c in spec["columns"]]
            matrix = [[downloads.plain(_export(row, c)) for c in columns] for row in rows]
            updated = data.latest_date(rows, spec["updated_from"])
            meta = {
                "title": f"{council['name']}: {spec['title']}",
                "description": spec["description"],
                "publisher": council["name"],
                "licence": LICENCE,
                "licence_url": LICENCE_URL,
                "source": spec["source"],
                "last_updated": updated.isoformat() if updated else None,
                "markers": disclosure.MARKERS,
            }
            if self.demonstration:
                meta = {"notice": demonstration.LABEL, "notice_detail": demonstration.EXPLANATION,
                        **meta}  # fmt: skip
            stem = spec["name"]
            downloads.write_json(folder / f"{stem}.json", meta, columns, matrix)
            notes = [(k, v) for k, v in meta.items() if k != "markers"] + list(
                disclosure.MARKERS.items()
            )
            if self.demonstration:
                # Spreadsheet users see the label on every row: a last column, so readers of
                # the other columns (by name or position) are unaffected.
                columns = [*columns, demonstration.CSV_COLUMN]
                matrix = [[*row, demonstration.LABEL] for row in matrix]
            self.pending.append(
                self.workers.submit(
                    downloads.write_spreadsheets,
                    folder / stem,
                    spec["title"],
                    columns,
                    matrix,
                    notes,
                )
            )
            self.files += [f"data/{council['slug']}/{stem}.{ext}" for ext in ("csv", "json", "ods")]
            datasets.append({**spec, "rows": len(rows), "last_updated": updated})
        return datasets


def _export(row: dict, column: str):
    """A cell of an open-data file: the figure, or its GSS marker when it has none."""
    value = row.get(column)
    if value is None and row.get(f"{column}_marker"):
        return row[f"{column}_marker"]
    return value


DATASETS = [
    {
        "name": "measures",
        "table": "measures",
        "title": "Performance measures: definitions",
        "description": "Every public measure: what it counts, its unit, polarity and target.",
        "source": "The council's measure register",
        "columns": [
            "measure_id",
            "name",
            "purpose_code",
            "service_area",
            "definition",
            "numerator_definition",
            "denominator_definition",
            "unit",
            "polarity",
            "frequency",
            "target",
            "source",
            "data_quality_notes",
        ],
        "updated_from": None,
    },
    {
        "name": "measure-values",
        "table": "measure_values",
        "title": "Performance measures: values",
        "description": "Monthly, quarterly and annual values by council, locality and ward.",
        "source": "Council service systems, partner returns and published statistics",
        "columns": [
            "measure_id",
            "period_start",
            "period_end",
            "geography_type",
            "geography_code",
            "geography_name",
            "numerator",
            "denominator",
            "value",
            "status_marker",
            "last_updated",
        ],
        "updated_from": "last_updated",
    },
    {
        "name": "quality",
        "table": "quality_marks",
        "title": "Data quality marks",
        "description": "The quality mark of each measure and period against six criteria.",
        "source": "The platform's data-quality checks",
        "columns": ["measure_id", "period_start", "mark", "failing_criteria"],
        "updated_from": "period_start",
    },
    {
        "name": "commentary",
        "table": "commentary",
        "title": "Commentary on performance",
        "description": (
            "What the data shows, why, and what the council is doing, signed off by Directors."
        ),
        "source": "Officers' commentary, confirmed by managers",
        "columns": [
            "measure_id",
            "period_start",
            "what_data_shows",
            "why",
            "what_we_are_doing",
            "confirmed_on",
        ],
        "updated_from": "confirmed_on",
    },
    {
        "name": "ward-profiles",
        "table": "ward_profiles",
        "title": "Ward profiles",
        "description": "Population, households and deprivation by ward.",
        "source": "ONS mid-year population estimates; English Indices of Deprivation",
        "columns": [
            "ward_code",
            "ward_name",
            "locality_code",
            "population",
            "households",
            "imd_score",
            "imd_decile",
            "as_of",
        ],
        "updated_from": "as_of",
    },
    {
        "name": "locality-profiles",
        "table": "locality_profiles",
        "title": "Locality profiles",
        "description": "Population, households and deprivation by locality.",
        "source": "ONS mid-year population estimates; English Indices of Deprivation",
        "columns": [
            "locality_code",
            "locality_name",
            "population",
            "households",
            "imd_score",
            "imd_decile",
            "ward_count",
            "as_of",
        ],
        "updated_from": "as_of",
    },
    {
        "name": "cost-of-service",
        "table": "cost_of_service",
        "title": "Cost of service",
        "description": "Spend, transactions and cost per transaction by service.",
        "source": "The council's finance ledger and service systems",
        "columns": [
            "service",
            "period_start",
            "period_end",
            "spend",
            "transactions",
            "cost_per_transaction",
        ],
        "updated_from": "period_end",
    },
]


def public_url_for(admin_url: str) -> str:
    """The public_reader URL on the same database (its password from the warehouse set-up)."""
    from orchestration.lib import warehouse

    password = warehouse.role_passwords().get("public_reader")
    if not password:
        raise SiteSetupError(
            "No password for the public_reader role: set BDC_PUBLIC_READER_PASSWORD "
            "(with BDC_WAREHOUSE_URL) or run `bdc db start`."
        )
    return data.reader_url(admin_url, password)

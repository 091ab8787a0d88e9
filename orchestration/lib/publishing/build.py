"""Build the static public site from publish.* (read as public_reader) into build/site/.

The publication gate is asked first: when it says no, nothing is written and the last good
site stays where it is. The new site is written beside the old one and swapped in at the end,
so a failed build never leaves a half-written site.
"""

from __future__ import annotations

import csv
import datetime as dt
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
from operator import itemgetter
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from orchestration.lib import demonstration, environment, names, neighbours, storage
from orchestration.lib.publishing import data, datapackage, disclosure, downloads
from orchestration.lib.publishing import format as fmt
from orchestration.lib.spc import charts

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
    storage.mirror(out_dir)  # to BDC_OUTPUT_URL when that is object storage
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
        trend=fmt.trend,
        trend_sentence=fmt.trend_sentence,
        service_name=names.service_name,
    )
    env.globals.update(
        QUALITY_TEXT=fmt.QUALITY_TEXT,
        VARIATION_TEXT=fmt.VARIATION_TEXT,
        ASSURANCE_TEXT=fmt.ASSURANCE_TEXT,
        MARKERS=disclosure.MARKERS,
        link=fmt.link,
        target_text=fmt.target_text,
        TREND_WORDS=fmt.TREND_WORDS,
        decile_words=fmt.decile_words,
        ordinal=fmt.ordinal,
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
    if not package.exists():
        raise SiteSetupError(
            "The site's npm packages are missing: run `npm ci` in the repository (make setup)."
        )
    digest = hashlib.sha256(package.read_bytes())
    for source in sources:
        digest.update(source.read_bytes())
    cache = CSS_CACHE / f"{digest.hexdigest()[:16]}.css"
    # Sass is needed only to compile: the container image ships the compiled CSS, not Sass.
    if not cache.exists() and not sass.exists():
        raise SiteSetupError(
            "The site's npm packages are missing: run `npm ci` in the repository (make setup)."
        )
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
        shutil.copy(SITE_DIR / "static" / "postcode.js", assets / "postcode.js")
        self.sectors = postcode_sectors(self.tables.get("ward_profiles", []), self.councils)
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
        council_comparisons = neighbours.comparisons(self.neighbour_rows, code)
        comparison_names = {r["comparison_id"]: r["comparison_name"] for r in self.neighbour_rows}
        tasks = top_tasks(site, latest, council_comparisons, comparison_names)
        self.page(
            slug,
            "home.html",
            purposes=purposes,
            by_purpose=measures_by_purpose,
            latest=latest,
            tasks=tasks,
            sectors=self.sectors,
            **ctx,
        )
        self.page(f"{slug}/how-to-read-charts", "how_to_read.html", **ctx)
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
        self.write_areas(site, ctx, tasks)
        self.page(
            f"{slug}/neighbours",
            "neighbours.html",
            comparisons=council_comparisons,
            nearest_note=neighbours.nearest_note(
                self.tables.get("nearest_neighbours", []), code, council["short_name"]
            ),
            **ctx,
        )
        self.page(f"{slug}/finance", "finance.html", finance=finance_summary(site.costs), **ctx)
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

    def write_areas(self, site, ctx, tasks) -> None:
        base = ctx["base"]
        measures = {m["measure_id"]: m for m in site.measures}
        self.page(
            f"{base}/areas",
            "areas.html",
            wards=site.wards,
            localities=site.localities,
            sectors=self.sectors,
            **ctx,
        )
        # Each area's latest row per measure, in one pass over the values (rows are in period
        # order, so the last one seen is the latest).
        latest_in_area: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
        by_period: dict[tuple, dict] = {}
        for measure_id, rows in site.values.items():
            if measure_id in measures:
                for row in rows:
                    latest_in_area[row["geography_type"], row["geography_code"]][measure_id] = row
                    key = (measure_id, row["period_start"], row["period_end"])
                    by_period[(*key, row["geography_type"], row["geography_code"])] = row
        residents = {
            "ward": {w["ward_code"]: w["population"] for w in site.wards},
            "locality": {a["locality_code"]: a["population"] for a in site.localities},
        }
        # The district's residents as the wards' sum: the same estimates as the ward rates.
        district = sum(float(w["population"]) for w in site.wards if w["population"] is not None)
        ranked = sorted(
            (w for w in site.wards if w["imd_score"] is not None),
            key=lambda w: -float(w["imd_score"]),
        )
        deprivation_rank = {w["ward_code"]: i + 1 for i, w in enumerate(ranked)}
        comparisons = [task for task in tasks if task["comparison"]]
        for kind, areas, code_column, name_column in (
            ("ward", site.wards, "ward_code", "ward_name"),
            ("locality", site.localities, "locality_code", "locality_name"),
        ):
            for area in areas:
                code = area[code_column]
                latest = latest_in_area.get((kind, code), {})
                locality = area.get("locality_code") if kind == "ward" else None
                lines = []
                for measure_id, row in latest.items():
                    key = (measure_id, row["period_start"], row["period_end"])
                    lines.append(
                        area_line(
                            measures[measure_id],
                            row,
                            residents[kind].get(code),
                            by_period.get((*key, "locality", locality)) if locality else None,
                            residents["locality"].get(locality),
                            by_period.get((*key, "council", site.code)),
                            district,
                        )
                    )
                lines.sort(key=lambda line: line["measure"]["name"])
                wards_here = [w for w in site.wards if w["locality_code"] == code]
                locality_row = next(
                    (a for a in site.localities if a["locality_code"] == locality), None
                )
                self.page(
                    f"{base}/{AREA_FOLDERS[kind]}/{code}",
                    "area.html",
                    kind=kind,
                    area=area,
                    area_name=area[name_column],
                    lines=lines,
                    locality=locality_row,
                    wards_here=wards_here if kind == "locality" else [],
                    deprivation_rank=deprivation_rank.get(code) if kind == "ward" else None,
                    ward_count=len(ranked),
                    comparisons=comparisons,
                    **ctx,
                )

    def write_downloads(self, site, council) -> list[dict]:
        folder = self.root / "data" / council["slug"]
        folder.mkdir(parents=True, exist_ok=True)
        datasets = []
        measures = {m["measure_id"]: m for m in site.tables.get("measures", [])}
        for spec in DATASETS:
            # Primary-key order (code points, whatever the database's collation), as
            # datapackage.json documents; publish tables have no duplicate keys.
            rows = sorted(site.tables.get(spec["table"], []), key=itemgetter(*spec["primary_key"]))
            columns = [c for c in spec["columns"]]
            matrix = [[downloads.plain(_export(row, c, measures)) for c in columns] for row in rows]
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
                "missing_figures": MISSING_FIGURES,
                "package": datapackage.FILENAME,
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
        written = datapackage.write(
            folder, council, DATASETS, site.tables, licence=(LICENCE, LICENCE_URL),
            demonstration=self.demonstration,
        )  # fmt: skip
        self.files.append(f"data/{council['slug']}/{written.name}")
        return datasets


# What residents come to the dashboard for, first on the home page: each task's measures in
# order of preference (a council shows the first it publishes of each group) and the published
# comparison with the Worcestershire districts that answers "how do we compare?".
TOP_TASKS = [
    {
        "key": "bins",
        "question": "Are bins being collected?",
        "measures": [["saf_missed_bins"], ["saf_e2e_missed_bin_median"]],
        "comparison": None,
        "no_comparison": (
            "Government does not publish missed collections for every council, so there is "
            "no comparison with neighbouring councils."
        ),
    },
    {
        "key": "fly-tipping",
        "question": "Is fly-tipping being dealt with?",
        "measures": [
            ["saf_flytip_reports", "env_flytip_reports"],
            ["saf_e2e_flytip_cleared_median"],
        ],
        "comparison": "flytipping_incidents",
    },
    {
        "key": "recycling",
        "question": "How much household waste is recycled?",
        "measures": [["saf_recycling_rate"]],
        "comparison": "household_recycling_rate",
    },
    {
        "key": "homelessness",
        "question": "Is the council helping people who are homeless or about to be?",
        "measures": [
            ["hou_hclic_owed_prevention_duty", "hou_prevention_rate"],
            ["hou_hclic_temporary_accommodation"],
        ],
        "comparison": "homelessness_prevention_duty",
    },
    {
        "key": "council-tax",
        "question": "Is council tax being collected?",
        "measures": [["fin_council_tax_collected"]],
        "comparison": None,
        "no_comparison": (
            "Government publishes collection rates once a year for every council; they are not "
            "held here yet, so there is no comparison with neighbouring councils."
        ),
    },
]


def top_tasks(site, latest: dict, comparisons, comparison_names: dict[str, str]) -> list[dict]:
    """Each top task with a sentence per measure (latest figure named by its period, the trend
    in words) and the neighbour comparison's one-line summary where one is published."""
    measures = {m["measure_id"]: m for m in site.measures}
    tasks = []
    for task in TOP_TASKS:
        answers = []
        for choices in task["measures"]:
            measure_id = next((m for m in choices if m in measures), None)
            if measure_id is None:
                continue
            measure = measures[measure_id]
            row = latest.get(measure_id)
            answers.append(
                {
                    "measure": measure,
                    "row": row,
                    "period": fmt.latest_period(row, measure["frequency"]),
                    "chart": site.charts.get(measure_id),
                }
            )
        comparison = None
        if task["comparison"]:
            name = comparison_names.get(task["comparison"])
            comparison = next((c for c in comparisons if c.name == name), None)
        tasks.append({**task, "answers": answers, "comparison": comparison})
    return tasks


def area_line(measure, row, residents, locality_row, locality_residents, council_row, district):
    """One measure in a ward or locality: its figure, a rate per 1,000 residents for counts,
    and the same for the locality and the district in the same period. A rate is only worked
    out from a published count, so a suppressed count's rate stays suppressed."""
    is_count = measure["unit"] == "count"

    def figures(source, people):
        if source is None:
            return None
        rate = None
        if is_count and source.get("value") is not None and people:
            rate = fmt.per_thousand(source["value"], people)
        return {
            "row": source,
            "rate": rate,
            "rate_marker": source.get("value_marker") if is_count and rate is None else None,
        }

    return {
        "measure": measure,
        "is_count": is_count,
        "period": fmt.latest_period(row, measure["frequency"]),
        "area": figures(row, residents),
        "locality": figures(locality_row, locality_residents),
        "district": figures(council_row, district),
    }


# Which purpose of the Corporate Performance Strategy each service of the ledger serves, so
# that the finance page can group spend the way the rest of the site does.
SERVICE_PURPOSES = {
    "housing": "Help me to find somewhere to live in my locality",
    "benefits": "Help me to be financially independent",
    "council_tax": "Help me to be financially independent",
    "business_rates": "Help me run a successful business",
    "planning": "Help me run a successful business",
    "licensing": "Help me run a successful business",
    "independent_living": "Help me to live my life independently",
    "leisure": "Provide good things for me to do, see and visit",
    "waste": "Keep my place safe and looking good",
    "street_scene": "Keep my place safe and looking good",
    "environmental_health": "Keep my place safe and looking good",
    "customer_services": "Enable others to work to purpose",
    "corporate": "Enable others to work to purpose",
    "electoral_services": "Enable others to work to purpose",
}


def finance_summary(costs: list[dict]) -> dict | None:
    """Spend, transactions and cost per transaction by service for the latest financial year
    with all twelve months (or, before one is complete, the year so far), and a bar chart."""
    if not costs:
        return None
    by_year: dict[int, list[dict]] = defaultdict(list)
    for row in costs:
        start = row["period_start"]
        by_year[start.year if start.month >= 4 else start.year - 1].append(row)
    complete = [y for y, rows in by_year.items() if len({r["period_start"] for r in rows}) == 12]
    year = max(complete) if complete else max(by_year)
    rows = by_year[year]
    months = sorted({r["period_start"] for r in rows})
    services: dict[str, dict] = {}
    for row in rows:
        entry = services.setdefault(
            row["service"],
            {
                "name": names.service_name(row["service"]),
                "purpose": SERVICE_PURPOSES.get(row["service"], "Other services"),
                "spend": 0.0,
                "transactions": 0.0,
            },
        )
        entry["spend"] += float(row["spend"] or 0)
        entry["transactions"] += float(row["transactions"] or 0)
    for entry in services.values():
        entry["cost_per_transaction"] = (
            entry["spend"] / entry["transactions"] if entry["transactions"] else None
        )
    ordered = sorted(services.values(), key=lambda e: (e["purpose"], -e["spend"]))
    label = charts.period_label(dt.date(year, 4, 1), "annual")
    if len(months) < 12:
        label += f" so far ({fmt.month(months[0])} to {fmt.month(months[-1])})"
    return {
        "label": label,
        "services": ordered,
        "total": sum(e["spend"] for e in ordered),
        "chart": spend_chart(sorted(ordered, key=lambda e: -e["spend"]), label),
    }


def spend_chart(services: list[dict], label: str) -> dict:
    """A horizontal bar chart of spend by service (SVG drawn here, no script), with the text
    that describes it; net income (a negative spend) is drawn left of the zero line."""
    width, left, right, bar, gap = 720, 220, 90, 22, 8
    high = max([e["spend"] for e in services] + [0.0])
    low = min([e["spend"] for e in services] + [0.0])
    span = (high - low) or 1.0
    plot = width - left - right
    zero = left + plot * (-low / span)
    height = len(services) * (bar + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="spend-title spend-desc" '
        'font-family="Arial, sans-serif" font-size="14">',
        f'<title id="spend-title">Spend by service, {label}</title>',
    ]
    described = "; ".join(f"{e['name']} {fmt.number(e['spend'], 'gbp')}" for e in services)
    parts.append(f'<desc id="spend-desc">{_xml(described)}.</desc>')
    for i, entry in enumerate(services):
        y = gap + i * (bar + gap)
        x1 = zero + plot * (min(entry["spend"], 0) / span)
        length = plot * abs(entry["spend"]) / span
        parts.append(
            f'<text x="{left - 8}" y="{y + bar * 0.7:.1f}" text-anchor="end" fill="#0b0c0c">'
            f"{_xml(entry['name'])}</text>"
        )
        parts.append(
            f'<rect x="{x1:.1f}" y="{y}" width="{max(length, 1):.1f}" height="{bar}" '
            'fill="#1d70b8"/>'
        )
        parts.append(
            f'<text x="{max(x1 + length, zero) + 6:.1f}" y="{y + bar * 0.7:.1f}" '
            f'fill="#0b0c0c">{_xml(fmt.number(entry["spend"], "gbp"))}</text>'
        )
    parts.append(f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height}" stroke="#0b0c0c"/>')
    parts.append("</svg>")
    return {"svg": "".join(parts), "text": described}


def _xml(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def postcode_sectors(ward_profiles: list[dict], councils: dict[str, dict]) -> dict:
    """Postcode sector ("B60 1") -> the published wards it reaches, as [council slug, ward code,
    ward name], from the ONS lookups in the reference snapshot (no network, no postcodes):
    sector -> Output Area 2011 (best fit) -> LSOA 2011 -> LSOA 2021 -> ward 2024. A sector that
    spans wards lists each of them."""
    from orchestration.lib.ingest.reference import geography, manifest

    folder = environment.reference_dir()
    files = [*geography.POSTCODE_FILES, geography.LSOA_BRIDGE_FILE, geography.FILE]
    entries = manifest.load(folder)
    for relative_path in files:
        # What the site offers residents must be what the manifest describes.
        digest = hashlib.sha256((folder / relative_path).read_bytes()).hexdigest()
        if digest != entries[relative_path].sha256:
            raise SiteSetupError(f"{relative_path} differs from data/reference/manifest.yml.")
    published = {
        w["ward_code"]: [councils[w["council_code"]]["slug"], w["ward_code"], w["ward_name"]]
        for w in ward_profiles
        if w["council_code"] in councils
    }

    def rows(relative_path):
        with (folder / relative_path).open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))

    lsoa11 = {r["OA11CD"]: r["LSOA11CD"] for r in rows(geography.OA_LSOA_FILE)}
    lsoa21: dict[str, set[str]] = defaultdict(set)
    for r in rows(geography.LSOA_BRIDGE_FILE):
        lsoa21[r["lsoa11_code"]].add(r["lsoa21_code"])
    ward = {r["lsoa21_code"]: r["ward24_code"] for r in rows(geography.FILE)}
    sectors: dict[str, set[str]] = defaultdict(set)
    for r in rows(geography.POSTCODE_SECTOR_FILE):
        sector = " ".join(r["PCDS11CD"].split())
        for code in lsoa21.get(lsoa11.get(r["OA11CD"], ""), ()):
            if ward.get(code) in published:
                sectors[sector].add(ward[code])
    return {
        sector: sorted((published[code] for code in codes), key=lambda w: (w[0], w[2]))
        for sector, codes in sorted(sectors.items())
    }


# Numbers only in numeric columns: a missing figure is an empty cell, its GSS marker in the
# column of the same name ending _marker (so software reads the numbers as numbers).
MISSING_FIGURES = (
    "A figure that is suppressed or not available is an empty cell (null); its symbol ([c], "
    "[x] or [z]) is in the column of the same name ending _marker."
)
# Columns a dataset takes from the measure of its row: its name (and unit) beside its id.
FROM_MEASURE = {"measure_name": "name", "unit": "unit"}


def _export(row: dict, column: str, measures: dict[str, dict]):
    """A cell of an open-data file."""
    if column not in row and column in FROM_MEASURE:
        return measures[row["measure_id"]][FROM_MEASURE[column]]
    return row.get(column)


# The open-data files. columns: in file order (data_note last on demonstration data);
# primary_key: also the rows' order; foreign_keys: column -> the dataset it refers to;
# statistics: loaders (data/reference/manifest.yml) of the published statistics a dataset
# draws on; statistics_of_measures: those named in each measure's `source` (datapackage.py).
PROFILE_STATISTICS = ("ref_population", "ref_deprivation", "ref_geography", "ref_lsoa11_lsoa21")
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
        "primary_key": ["measure_id"],
        "statistics_of_measures": True,
    },
    {
        "name": "measure-values",
        "table": "measure_values",
        "title": "Performance measures: values",
        "description": "Monthly, quarterly and annual values by council, locality and ward.",
        "source": "Council service systems, partner returns and published statistics",
        "columns": [
            "measure_id",
            "measure_name",
            "unit",
            "period_start",
            "period_end",
            "geography_type",
            "geography_code",
            "geography_name",
            "numerator",
            "numerator_marker",
            "denominator",
            "denominator_marker",
            "value",
            "value_marker",
            "status_marker",
            "last_updated",
        ],
        "updated_from": "last_updated",
        "primary_key": [
            "measure_id",
            "period_start",
            "period_end",
            "geography_type",
            "geography_code",
        ],
        "foreign_keys": {"measure_id": "measures"},
        "statistics_of_measures": True,
    },
    {
        "name": "quality",
        "table": "quality_marks",
        "title": "Data quality marks",
        "description": "The quality mark of each measure and period against six criteria.",
        "source": "The platform's data-quality checks",
        "columns": ["measure_id", "period_start", "mark", "failing_criteria"],
        "updated_from": "period_start",
        "primary_key": ["measure_id", "period_start"],
        "foreign_keys": {"measure_id": "measures"},
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
        "primary_key": ["measure_id", "period_start"],
        "foreign_keys": {"measure_id": "measures"},
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
            "population_marker",
            "households",
            "households_marker",
            "imd_score",
            "imd_decile",
            "as_of",
        ],
        "updated_from": "as_of",
        "primary_key": ["ward_code"],
        "foreign_keys": {"locality_code": "locality-profiles"},
        "statistics": PROFILE_STATISTICS,
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
            "population_marker",
            "households",
            "households_marker",
            "imd_score",
            "imd_decile",
            "ward_count",
            "as_of",
        ],
        "updated_from": "as_of",
        "primary_key": ["locality_code"],
        "statistics": PROFILE_STATISTICS,
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
            "cost_per_transaction_marker",
        ],
        "updated_from": "period_end",
        "primary_key": ["service", "period_start"],
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

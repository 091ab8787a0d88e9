"""Data Docs pages a Policy Team officer can act on, rendered by Great Expectations' own site
builder through the classes its site configuration names (data_docs.site_config):

- OfficerValidationPageRenderer: GX's validation results page, led by a summary in words and
  "What needs attention" (each failure: the measure by name, council, period and rows
  concerned, what to do and who owns it), with two more columns in GX's results tables: the
  criterion each check evidences and what its failure does (OfficerResultsTable).
- OfficerIndexPageRenderer: the index: the six criteria explained, and each table's latest
  result with its failures counted (OfficerSiteIndexBuilder lists the pages without reading
  every stored result).
- OfficerPageView: the HTML around them (data_docs_views/officer_page.j2), loading only files of
  the site; this project's own blocks have their templates beside it (officer_<kind>.j2).

What a page says comes from the validation result itself: the expectations' `meta` (criterion,
rule id, owner, what to do), the result's `meta["quality"]` (the table in words, when and how
much was checked) and, for a failure, its `meta["measures"]` (names, owners and frequencies of
the measures in its rows), all written by the Checkpoint (checkpoints.py).
"""

import datetime as dt
import html
from collections import OrderedDict
from pathlib import Path
from zoneinfo import ZoneInfo

from orchestration.lib import names
from orchestration.lib.quality import gx_library
from orchestration.lib.quality.data_docs import VIEWS_DIR, remove_empty_folders
from orchestration.lib.quality.expectations import (
    CRITERION_WORDS,
    SEVERITY_FROM_GX,
    SEVERITY_WORDS,
    UNEXPECTED_ROWS,
    criterion_name,
)

gx_library.great_expectations()  # GX as this project imports it (scipy.stats deferred)

from great_expectations.data_context.types.resource_identifiers import (  # noqa: E402
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.render import (  # noqa: E402
    RenderedComponentContent,
    RenderedDocumentContent,
    RenderedSectionContent,
    RenderedTableContent,
)
from great_expectations.render.renderer import (  # noqa: E402
    SiteIndexPageRenderer,
    ValidationResultsPageRenderer,
)
from great_expectations.render.renderer.content_block import (  # noqa: E402
    ValidationResultsTableContentBlockRenderer,
)
from great_expectations.render.renderer.site_builder import (  # noqa: E402
    DefaultSiteIndexBuilder,
    SiteBuilder,
)
from great_expectations.render.view import DefaultJinjaPageView  # noqa: E402

LONDON = ZoneInfo("Europe/London")
SAMPLE_ROWS = 20
WHOLE_TABLE = "Table-Level Expectations"  # GX's name for the checks that name no column
FIGURE_COLUMNS = ("measure_id", "council_code", "period_start")
_SUMMARIES: dict[tuple, dict] = {}  # result key -> counts(result), see _summary


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _severity(configuration) -> str:
    severity = getattr(configuration.severity, "value", configuration.severity)
    return SEVERITY_FROM_GX.get(str(severity), "ERROR")


def _meta(result) -> dict:
    return result.expectation_config.meta or {}


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def london(value) -> str:
    """ "5 December 2026 at 15:30" from a UTC time (a datetime or ISO text)."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if not isinstance(value, dt.datetime):
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def period_words(start, frequency: str | None) -> str:
    """A figure's period in words from its start: "February 2025", "January to March 2025",
    "2024/25"."""
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start[:10])
        except ValueError:
            return start
    if not isinstance(start, dt.date):
        return ""
    if frequency == "monthly":
        return f"{start:%B %Y}"
    if frequency == "quarterly":
        end = dt.date(start.year, min(start.month + 2, 12), 1)
        return f"{start:%B} to {end:%B %Y}"
    if frequency == "annual" and start.month == 4:
        return f"{start.year}/{(start.year + 1) % 100:02d}"
    if frequency == "annual" and start.month == 1:
        return str(start.year)
    return f"the period starting {start.day} {start:%B %Y}"


def _value(value) -> str:
    """A cell as people read it: whole numbers without ".0", thousands separated."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer():
            return f"{int(value):,}"
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return str(value)


def about(result, data_context=None) -> dict:
    """The run in words (title, owner, scope, when; checkpoints.QualityJob.about): in the stored
    result once recorded; before that, on the suite the run's Checkpoint validated."""
    found = result.meta.get("quality")
    if found or data_context is None:
        return found or {}
    try:
        return data_context.suites.get(result.suite_name).meta.get("quality") or {}
    except Exception:  # a suite this process did not run: its result says it all
        return {}


def counts(result, data_context=None) -> dict:
    """A suite result in numbers, and its table's name in words."""
    failed = [item for item in result.results if not item.success]
    blocking = sum(1 for item in failed if _severity(item.expectation_config) == "ERROR")
    return {
        "title": about(result, data_context).get("title") or result.suite_name,
        "checks": len(result.results),
        "failed": len(failed),
        "blocking": blocking,
        "warnings": len(failed) - blocking,
    }


def outcome_words(found: dict) -> str:
    if not found["failed"]:
        return f"All {found['checks']} checks passed."
    parts = []
    if found["blocking"]:
        parts.append(f"{found['blocking']} stop publication")
    if found["warnings"]:
        parts.append(_plural(found["warnings"], "is a warning", "are warnings"))
    return f"{found['failed']} of {found['checks']} checks failed: {' and '.join(parts)}."


def status(found: dict) -> str:
    """failed (something stops publication), warnings, or passed."""
    if found["blocking"]:
        return "failed"
    return "warnings" if found["warnings"] else "passed"


STATUS_HTML = {
    "failed": '<i class="fas fa-times-circle text-danger" aria-hidden="true"></i> Failed',
    "warnings": '<i class="fas fa-exclamation-triangle text-warning" aria-hidden="true"></i> '
    "Warnings",
    "passed": '<i class="fas fa-check-circle text-success" aria-hidden="true"></i> Passed',
}


class OfficerContent(RenderedComponentContent):
    """A block of this project's own, rendered by data_docs_views/officer_<kind>.j2 from
    `data` (plain values; the template escapes them)."""

    def __init__(self, kind: str, data: dict) -> None:
        super().__init__(content_block_type=f"officer_{kind}", styling={"classes": ["col-12"]})
        self.data = data

    def to_json_dict(self) -> dict:
        found = super().to_json_dict()
        found["data"] = self.data
        return found


class OfficerResultsTable(ValidationResultsTableContentBlockRenderer):
    """GX's results table with the criterion and what a failure does beside each check."""

    @classmethod
    def _process_content_block(cls, content_block, has_failed_evr, render_object=None) -> None:
        super()._process_content_block(content_block, has_failed_evr, render_object)
        if not isinstance(render_object, list) or len(render_object) != len(content_block.table):
            return
        content_block.header_row = ["Status", "Check", "Criterion", "If it fails", "Found"]
        content_block.header_row_options = {"Status": {"sortable": True}}
        for row, result in zip(content_block.table, render_object, strict=True):
            criterion = _meta(result).get("criterion", "")
            words = CRITERION_WORDS.get(criterion)
            cell = f"<strong>{_e(criterion_name(criterion))}</strong>"
            if words:
                cell += f'<br><span class="officer-note">{_e(words[1])}</span>'
            severity = _severity(result.expectation_config)
            row[2:2] = [cell, _e("Stops publication" if severity == "ERROR" else "Warning only")]


class OfficerValidationPageRenderer(ValidationResultsPageRenderer):
    """GX's validation results page, led by what an officer needs to know and do."""

    def __init__(self, data_context=None) -> None:
        super().__init__(
            column_section_renderer={
                "class_name": "ValidationResultsColumnSectionRenderer",
                "table_renderer": {"module_name": __name__, "class_name": "OfficerResultsTable"},
            },
            data_context=data_context,
        )

    def render(self, validation_results, suite_parameters=None):
        document = super().render(validation_results, suite_parameters)
        run = about(validation_results, self._data_context)
        found = counts(validation_results, self._data_context)
        document.page_title = f"{found['title']}: data quality checks"
        overview = document.sections[0]
        overview.content_blocks[:2] = [_summary(validation_results, run, found)]
        for block in overview.content_blocks[1:]:
            _headings_follow_the_title(block)
        for section in document.sections[1:]:
            _name_section(section)
        not_run = run.get("could_not_run") or []
        if not_run:
            document.sections.insert(
                1,
                RenderedSectionContent(
                    section_name="Checks that could not run",
                    content_blocks=[OfficerContent("not_run", {"checks": not_run})],
                ),
            )
        failed = [item for item in validation_results.results if not item.success]
        if failed:
            failed.sort(key=lambda item: _severity(item.expectation_config) != "ERROR")
            document.sections.insert(
                1,
                RenderedSectionContent(
                    section_name="What needs attention",
                    content_blocks=[
                        OfficerContent("attention", {"failures": [failure(i) for i in failed]})
                    ],
                ),
            )
        return document


def _summary(result, run: dict, found: dict) -> RenderedTableContent:
    checked = london(run.get("checked_at") or result.meta.get("validation_time"))
    rows = [
        ("Result", f"{STATUS_HTML[status(found)]}. {_e(outcome_words(found))}"),
        ("Data checked", f"{_e(found['title'])} (table {_e(result.suite_name)})"),
        ("Who owns the data", _e(run.get("owner") or "not recorded")),
        ("Checked", _e(checked + (f", {run['scope']}" if run.get("scope") else ""))),
    ]
    return RenderedTableContent(
        table=[[f"<strong>{_e(label)}</strong>", value] for label, value in rows],
        styling={"classes": ["col-12"], "body": {"classes": ["table", "table-sm"]}},
    )


def _headings_follow_the_title(block) -> None:
    """GX heads the tables of its "Show more info" (the run's details) as <h6>, straight after
    the page's <h1>: make them second-level headings that look the same."""
    for inner in getattr(block, "collapse", None) or []:
        template = getattr(getattr(inner, "header", None), "string_template", None)
        if isinstance(template, dict) and template.get("tag") == "h6":
            template["tag"] = "h2"
            styling = template.setdefault("styling", {})
            styling["classes"] = [*styling.get("classes", []), "h6"]


def _name_section(section) -> None:
    """GX names a section by its column, or "Table-Level Expectations": say so in words, as a
    heading of the page's second level."""
    column = section.section_name
    words = "Checks on the whole table" if column == WHOLE_TABLE else f"Column {column}"
    section.section_name = words
    header = section.content_blocks[0] if section.content_blocks else None
    template = getattr(getattr(header, "header", None), "string_template", None)
    if isinstance(template, dict):
        template["template"] = _e(words)
        template["tag"] = "h2"


def _found(result) -> str:
    details = result.result or {}
    info = result.exception_info or {}
    for entry in [info, *info.values()]:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            message = str(entry.get("exception_message", "")).splitlines()[0][:300]
            return f"The check could not run: {message}"
    count = details.get("unexpected_count")
    if result.expectation_config.type == UNEXPECTED_ROWS and count is None:
        count = details.get("observed_value")
    if isinstance(count, int):
        total = details.get("element_count")
        of = f" of {total:,}" if isinstance(total, int) else ""
        return f"{_plural(count, 'row', 'rows')}{of} {'does' if count == 1 else 'do'} not meet it."
    if "observed_value" in details:
        return f"Found: {_value(details['observed_value'])}."
    return "It failed."


def _rows(result) -> list[dict]:
    details = result.result or {}
    rows = (details.get("details") or {}).get("unexpected_rows")
    if rows:
        return [dict(row) for row in rows]
    indexed = details.get("partial_unexpected_index_list")
    if indexed:
        return [dict(row) for row in indexed]
    values = details.get("partial_unexpected_list") or []
    return [row if isinstance(row, dict) else {"value": row} for row in values]


def figures(result) -> list[dict]:
    """The figures a failure concerns (rows that name a measure), grouped by measure, council and
    period, with the measure's name and the period in words."""
    measures = (result.meta or {}).get("measures") or {}
    grouped: dict[tuple, int] = {}
    for row in _rows(result):
        if row.get("measure_id") is None:
            continue
        key = (row["measure_id"], row.get("council_code"), row.get("period_start"))
        grouped[key] = grouped.get(key, 0) + 1
    found = []
    for (measure_id, council, period), rows in grouped.items():
        known = measures.get(f"{measure_id}|{council}") or next(
            (item for key, item in measures.items() if key.split("|")[0] == measure_id), {}
        )
        found.append(
            {
                "measure_id": measure_id,
                "measure": known.get("name") or names.readable(measure_id),
                "measure_owner": known.get("owner") or "",
                "council": names.council_name(council) if council else "Both councils",
                "period": period_words(period, known.get("frequency"))
                if period
                else "Every period",
                "rows": _value(rows),
            }
        )
    return sorted(found, key=lambda item: (item["measure"], item["council"], str(item["period"])))


def failure(result) -> dict:
    """One failed check as officers read it: what it checks and found, the criterion, what to do
    and who owns it, the figures and rows it concerns."""
    meta = _meta(result)
    severity = _severity(result.expectation_config)
    criterion = meta.get("criterion", "")
    words = CRITERION_WORDS.get(criterion, (criterion, "", ""))
    concerned = figures(result)
    owner = meta.get("owner") or "not recorded"
    measure_owners = sorted({item["measure_owner"] for item in concerned if item["measure_owner"]})
    if measure_owners:
        owner += f"; the measure's owner: {', '.join(measure_owners)}"
    rows = _rows(result)
    columns = [column for column in FIGURE_COLUMNS if rows and column in rows[0]]
    columns += [column for column in (rows[0] if rows else {}) if column not in columns]
    total = (result.result or {}).get("unexpected_count") or len(rows)
    shown = rows[:SAMPLE_ROWS]
    caption = "Rows concerned"
    if total > len(shown):
        caption += f" (the first {len(shown)} of {total:,})"
    return {
        "description": result.expectation_config.description or meta.get("rule_id", ""),
        "blocking": severity == "ERROR",
        "severity": SEVERITY_WORDS[severity],
        "found": _found(result),
        "criterion": words[0],
        "criterion_text": words[2],
        "what_to_do": meta.get("what_to_do", ""),
        "owner": owner,
        "rule": meta.get("rule_id", ""),
        "figures": concerned,
        "columns": [names.readable(column) for column in columns],
        "rows": [[_value(row.get(column)) for column in columns] for row in shown],
        "rows_caption": caption,
    }


class OfficerSiteBuilder(SiteBuilder):
    """GX's site builder without GX's own static files (its logos, fonts and styles, 4 MB
    copied again at every build, so at every suite's Checkpoint): these pages use none of
    them; theirs are bundled by data_docs.bundle_assets."""

    def build(self, resource_identifiers=None, build_index: bool = True):
        for section_builder in self.site_section_builders.values():
            section_builder.build(resource_identifiers=resource_identifiers)
        _, index_links = self.site_index_builder.build(build_index=build_index)
        return self.get_resource_url(only_if_exists=False), index_links


class OfficerSiteIndexBuilder(DefaultSiteIndexBuilder):
    """GX's index builder, reading no result to list the pages: GX's own reads every stored
    result each time a suite's Checkpoint updates the site, where the index needs only each
    table's latest, whose counts OfficerIndexPageRenderer reads once per process. Pages whose
    result has left the store (an earlier run of a suite) leave the site, as with GX's."""

    def build(self, skip_and_clean_missing=True, build_index: bool = True):
        if not build_index:
            return None, None
        pages = self.target_store.store_backends[ValidationResultIdentifier]
        results = self.data_context.validation_results_store
        stored = set(results.list_keys())
        links: OrderedDict = OrderedDict(site_name=self.site_name)
        links["validations_links"] = []
        for key in [ValidationResultIdentifier.from_tuple(item) for item in pages.list_keys()]:
            # A result is stored before its page is written: one stored since the listing
            # (another suite's run) keeps its page.
            if key not in stored and not results.has_key(key):
                if skip_and_clean_missing:
                    pages.remove_key(key)
                    root = Path(pages.full_base_directory) / "validations"
                    remove_empty_folders(root.joinpath(*key.to_tuple()[:-1]), root)
                continue
            self.add_resource_info_to_index_links_dict(
                index_links_dict=links,
                expectation_suite_name=key.expectation_suite_identifier.name,
                section_name="validations",
                batch_identifier=key.batch_identifier,
                run_id=key.run_id,
                run_time=key.run_id.run_time,
                run_name=key.run_id.run_name,
            )
        document = self.renderer_class.render(links)
        page = self.view_class.render(
            document, data_context_id=self.data_context_id, show_how_to_buttons=False
        )
        return self.target_store.write_index_page(page), links


class OfficerIndexPageRenderer(SiteIndexPageRenderer):
    """The index: what the checks are for, the six criteria, and each table's latest result."""

    def __init__(self, data_context=None) -> None:
        super().__init__()
        self._data_context = data_context

    def _summary(self, key) -> dict | None:
        """The result's counts and title: read from GX's store once per result and process (a
        result's key names its run, and a recorded run's counts and title never change)."""
        cached = _SUMMARIES.get(key.to_tuple())
        if cached is not None:
            return cached
        try:
            result = self._data_context.validation_results_store.get(key)
        except Exception:  # a result another run is replacing right now: left for its build
            return None
        found = counts(result, self._data_context)
        if result.meta.get("quality"):  # recorded: its failures explained, its title known
            _SUMMARIES[key.to_tuple()] = found
        return found

    def _latest(self, index_links_dict) -> list[tuple[dict, dict]]:
        latest: dict[str, dict] = {}
        for link in index_links_dict.get("validations_links", []):
            name = link["expectation_suite_name"]
            if name not in latest or link["run_time"] > latest[name]["run_time"]:
                latest[name] = link
        found = []
        for name, link in latest.items():
            key = ValidationResultIdentifier(
                ExpectationSuiteIdentifier(name), link["run_id"], link["batch_identifier"]
            )
            summary = self._summary(key)
            if summary is not None:
                found.append((link, summary))
        order = {"failed": 0, "warnings": 1, "passed": 2}
        return sorted(
            found, key=lambda pair: (order[status(pair[1])], pair[0]["expectation_suite_name"])
        )

    def render(self, index_links_dict):
        from orchestration.lib.quality import suite_files

        latest = self._latest(index_links_dict)
        states = [status(found) for _, found in latest]
        checked = max((link["run_time"] for link, _ in latest), default=None)
        shown = {link["expectation_suite_name"] for link, _ in latest}
        data = {
            "tables": len(latest),
            "passed": states.count("passed"),
            "failed": states.count("failed"),
            "warnings": states.count("warnings"),
            "checked": london(checked) if checked else "",
            "criteria": [
                {"name": name, "text": text} for name, _, text in CRITERION_WORDS.values()
            ],
            "results": [
                {
                    "status": status(found),
                    "title": found["title"],
                    "href": link["filepath"],
                    "table": link["expectation_suite_name"],
                    "checked": london(link["run_time"]),
                    "checks": found["checks"],
                    "failed": _failed_words(found),
                }
                for link, found in latest
            ],
            "not_checked": [
                {"title": suite.title, "table": suite.table}
                for suite in suite_files.all_suites()
                if suite.name not in shown
            ],
        }
        return RenderedDocumentContent(
            renderer_type="SiteIndexPageRenderer",
            page_title="Data quality checks",
            sections=[
                RenderedSectionContent(
                    section_name="Data quality checks",
                    content_blocks=[OfficerContent("index", data)],
                )
            ],
        )


def _failed_words(found: dict) -> str:
    if not found["failed"]:
        return "None"
    parts = []
    if found["blocking"]:
        parts.append(f"{found['blocking']} stopping publication")
    if found["warnings"]:
        parts.append(_plural(found["warnings"], "warning", "warnings"))
    return ", ".join(parts)


class OfficerPageView(DefaultJinjaPageView):
    """GX's page view with this project's page template (officer_page.j2), whose every asset
    is a file of the site.

    GX makes a new view, with a new Jinja environment, for every site it builds, and compiles
    every template again in it: most of the time a suite's Data Docs update took. The views of
    one process share the first one's environment (the same templates and filters), so each
    template is compiled once per process."""

    _template = "officer_page.j2"
    _shared: "OfficerPageView | None" = None

    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        shared = OfficerPageView._shared
        if shared is None:
            super().__init__(custom_styles_directory, str(VIEWS_DIR))
            OfficerPageView._shared = self
            return
        self.custom_styles_directory = shared.custom_styles_directory
        self.custom_views_directory = shared.custom_views_directory
        self.env = shared.env

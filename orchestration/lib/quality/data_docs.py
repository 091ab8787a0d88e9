"""Great Expectations Data Docs under build/quality/data_docs/ (a file-system site, offline).

Each suite run saves its validation result as JSON in build/quality/results/<suite>.json; the
site is rebuilt from all saved results in an ephemeral context, so it always shows the latest
run of every suite.
"""

import json
import shutil
from decimal import Decimal
from pathlib import Path

from orchestration.lib import environment
from orchestration.lib.quality import gx_library
from orchestration.lib.quality.outcomes import SuiteRun


def quality_dir() -> Path:
    return environment.output_dir() / "quality"


def _as_floats(value):
    """Decimals as the floats GX writes them as. GX's own conversion calls inspect.stack() for
    every Decimal, which reads the source of every frame and touches every loaded module (so
    the scipy.stats that gx_library.great_expectations() defers gets imported after all)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _as_floats(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_as_floats(item) for item in value]
    return value


def save_result(run: SuiteRun) -> Path | None:
    if run.gx_result is None:
        return None
    folder = quality_dir() / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run.suite.name}.json"
    for item in run.gx_result.results:
        item.result = _as_floats(item.result)
    path.write_text(json.dumps(run.gx_result.to_json_dict(), default=str))
    return path


def build_data_docs() -> Path:
    """Rebuild the site from every saved result; returns its index.html."""
    gx_library.great_expectations()
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResultSchema,
    )
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    site = quality_dir() / "data_docs"
    shutil.rmtree(site / "validations", ignore_errors=True)
    context = gx_library.ephemeral_context()
    context.add_data_docs_site(
        site_name="quality",
        site_config={
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(site),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    schema = ExpectationSuiteValidationResultSchema()
    for path in sorted((quality_dir() / "results").glob("*.json")):
        result = schema.load(json.loads(path.read_text()))
        key = ValidationResultIdentifier(
            ExpectationSuiteIdentifier(path.stem), RunIdentifier(run_name="latest"), "warehouse"
        )
        context.validation_results_store.set(key, result)
    context.build_data_docs(site_names=["quality"])
    return site / "index.html"

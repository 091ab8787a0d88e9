"""Great Expectations Data Docs for officers under build/quality/data_docs/.

The suites run in a GX context (`gx_context`) whose validation results store is a folder of GX's
own JSON results (build/quality/validations/, the latest run of each suite) and whose Data Docs
site is built by GX's SiteBuilder with this project's page renderers and views
(officer_docs.py). A suite's Checkpoint updates the site with GX's UpdateDataDocsAction;
`build_data_docs` rebuilds every page from the stored results.

Every asset the pages load is a file of the site: Bootstrap, jQuery and Font Awesome are copied
from the npm packages package.json pins (`npm ci`, part of `make setup`), with their licences,
so the pages open with no network at all.
"""

import json
import logging
import shutil
from decimal import Decimal
from pathlib import Path

from orchestration.lib import environment
from orchestration.lib.quality import gx_library

SITE_NAME = "officers"
OFFICER_DOCS = "orchestration.lib.quality.officer_docs"
VIEWS_DIR = Path(__file__).parent / "data_docs_views"

FONT_AWESOME_FONTS = ("fa-solid-900", "fa-regular-400", "fa-brands-400", "fa-v4compatibility")
# (npm package, files to copy from it -> the site's static/vendor/<folder>/...)
VENDORED = {
    "bootstrap": (
        "bootstrap",
        {
            "dist/css/bootstrap.min.css": "bootstrap.min.css",
            "dist/js/bootstrap.bundle.min.js": "bootstrap.bundle.min.js",
            "LICENSE": "LICENSE",
        },
    ),
    "jquery": ("jquery", {"dist/jquery.min.js": "jquery.min.js", "LICENSE.txt": "LICENSE.txt"}),
    "fontawesome": (
        "@fortawesome/fontawesome-free",
        {
            "css/all.min.css": "css/all.min.css",
            "LICENSE.txt": "LICENSE.txt",
            **{
                f"webfonts/{name}.{ext}": f"webfonts/{name}.{ext}"
                for name in FONT_AWESOME_FONTS
                for ext in ("woff2", "ttf")
            },
        },
    ),
    # Bootstrap's bundle includes Popper; its licence travels with it.
    "popper": ("popper.js", {}),
}


class DataDocsSetupError(RuntimeError):
    """The npm packages the Data Docs bundle are missing."""


def quality_dir() -> Path:
    return environment.output_dir() / "quality"


def site_dir() -> Path:
    return quality_dir() / "data_docs"


def results_dir() -> Path:
    return quality_dir() / "validations"


def index_path() -> Path:
    return site_dir() / "index.html"


def site_config() -> dict:
    """The Data Docs site: GX's SiteBuilder and stores, this project's renderers and views."""
    view = {"module_name": OFFICER_DOCS, "class_name": "OfficerPageView"}
    return {
        "module_name": OFFICER_DOCS,
        "class_name": "OfficerSiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(site_dir()),
        },
        "site_index_builder": {
            "module_name": OFFICER_DOCS,
            "class_name": "OfficerSiteIndexBuilder",
            "renderer": {"module_name": OFFICER_DOCS, "class_name": "OfficerIndexPageRenderer"},
            "view": view,
        },
        "site_section_builders": {
            "expectations": "False",
            "profiling": "False",
            "validations": {
                "class_name": "DefaultSiteSectionBuilder",
                "source_store_name": "validation_results_store",
                "renderer": {
                    "module_name": OFFICER_DOCS,
                    "class_name": "OfficerValidationPageRenderer",
                },
                "view": view,
            },
        },
    }


def gx_context():
    """An ephemeral GX context whose validation results are files (the latest of each suite)
    and whose Data Docs site is the officers' one; the site's bundled assets are put in place."""
    gx = gx_library.great_expectations()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
    )

    defaults = InMemoryStoreBackendDefaults()
    stores = dict(defaults.stores)
    stores[defaults.validation_results_store_name] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(results_dir()),
        },
    }
    config = DataContextConfig(
        store_backend_defaults=defaults,
        stores=stores,
        data_docs_sites={SITE_NAME: site_config()},
        analytics_enabled=False,
    )
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.variables.progress_bars = {"globally": False}
    bundle_assets(site_dir())
    return context


def _node_modules() -> Path:
    return environment.REPO_ROOT / "node_modules"


def bundle_assets(site: Path) -> None:
    """Copy the pages' CSS, scripts and fonts into the site (static/vendor/, static/officer.css)
    with their licences; only files that changed are copied."""
    modules = _node_modules()
    wanted: dict[Path, Path] = {VIEWS_DIR / "officer.css": site / "static" / "officer.css"}
    notices = []
    for folder, (package, files) in VENDORED.items():
        root = modules / package
        manifest = root / "package.json"
        if not manifest.exists():
            raise DataDocsSetupError(
                f"The Data Docs need the npm package {package}: run `npm ci` in the repository "
                "(make setup does)."
            )
        about = json.loads(manifest.read_text())
        notices.append(f"{package} {about['version']}: {about.get('license', 'see its files')}")
        for source, target in files.items():
            wanted[root / source] = site / "static" / "vendor" / folder / target
    for source, target in wanted.items():
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    notice = site / "static" / "vendor" / "LICENCES.txt"
    text = (
        "Files bundled into these pages, copied unchanged from their npm packages, each under "
        "its own licence (the licence files are beside them):\n" + "\n".join(notices) + "\n"
    )
    if not notice.exists() or notice.read_text() != text:
        notice.write_text(text)


def as_floats(value):
    """Decimals as the floats GX writes them as. GX's own conversion calls inspect.stack() for
    every Decimal, which reads the source of every frame and touches every loaded module (so
    the scipy.stats that gx_library.great_expectations() defers gets imported after all)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: as_floats(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_floats(item) for item in value]
    return value


def store_result(context, key, result) -> Path:
    """Store a suite's validation result (Decimals as floats) as the latest of its suite: the
    suite's earlier results leave the store, and their pages the site. Returns the result's
    file."""
    for item in result.results:
        item.result = as_floats(item.result)
    store = context.validation_results_store
    store.set(key, result)
    suite = key.expectation_suite_identifier.name
    for old in store.list_keys():
        if old.expectation_suite_identifier.name == suite and old != key:
            store.remove_key(old)
            *folders, name = old.to_tuple()
            remove_empty_folders(results_dir().joinpath(*folders), results_dir())
            pages = site_dir() / "validations"
            pages.joinpath(*folders, f"{name}.html").unlink(missing_ok=True)
            remove_empty_folders(pages.joinpath(*folders), pages)
    return results_dir().joinpath(*key.to_tuple()[:-1], f"{key.to_tuple()[-1]}.json")


def remove_empty_folders(folder: Path, root: Path) -> None:
    """Remove `folder` and its parents up to `root` while they are empty: GX's file stores
    leave a run's folders behind when its file goes, and every later listing walks them."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty, or already gone
            return
        folder = folder.parent


def save_result(run) -> Path | None:
    """Store a SuiteRun's GX result as its suite's latest (for a run made outside a
    Checkpoint); returns its file."""
    if run.gx_result is None:
        return None
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    run_id = run.gx_result.meta.get("run_id") or RunIdentifier(run_name="latest")
    if isinstance(run_id, dict):
        run_id = RunIdentifier(**run_id)
    key = ValidationResultIdentifier(
        ExpectationSuiteIdentifier(run.suite.name), run_id, "warehouse"
    )
    return store_result(gx_context(), key, run.gx_result)


def build_data_docs() -> Path:
    """Rebuild every page of the site from the stored results; returns its index.html."""
    shutil.rmtree(quality_dir() / "results", ignore_errors=True)  # results of the old layout
    context = gx_context()
    context.build_data_docs(site_names=[SITE_NAME])
    for root in (results_dir(), site_dir() / "validations"):
        for folder in sorted(root.rglob("*"), key=lambda path: -len(path.parts)):
            if folder.is_dir():
                remove_empty_folders(folder, root)
    return index_path()

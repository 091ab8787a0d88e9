"""Where things live and how the platform is configured: one place for environment logic.

Every setting comes from an environment variable with a project-relative default, so the same
code runs on a laptop, in CI and in production.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEZONE = "Europe/London"
COUNCILS = {"E07000234": "Bromsgrove", "E07000236": "Redditch"}

WAREHOUSE_URL_VAR = "BDC_WAREHOUSE_URL"
REFERENCE_MIRROR_VAR = "BDC_REFERENCE_MIRROR"


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).resolve() if value else default


LANDING_URL_VAR = "BDC_LANDING_URL"
OUTPUT_URL_VAR = "BDC_OUTPUT_URL"


def local_folder(url: str) -> Path | None:
    """The folder a file:// URL (or a plain path) names; None for object storage."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"{url}: a file:// URL must name a local folder (file:///...)")
        return Path(unquote(parts.path)).resolve()
    if parts.scheme == "":
        return Path(url).resolve()
    return None


def landing_url() -> str:
    """Where landing files arrive: BDC_LANDING_URL (file://, s3://, az://, gs://), else the
    local folder BDC_LANDING_DIR (default landing/) as a file:// URL."""
    return (
        os.environ.get(LANDING_URL_VAR) or _path("BDC_LANDING_DIR", REPO_ROOT / "landing").as_uri()
    )


def output_url() -> str:
    """Where outputs (quarantine, site, report packs) end up: BDC_OUTPUT_URL, else the local
    folder BDC_OUTPUT_DIR (default build/) as a file:// URL."""
    return os.environ.get(OUTPUT_URL_VAR) or _path("BDC_OUTPUT_DIR", REPO_ROOT / "build").as_uri()


def output_dir() -> Path:
    """The local folder outputs are built in: BDC_OUTPUT_URL's folder when that is file://,
    else BDC_OUTPUT_DIR (default build/), whose outputs are then uploaded to BDC_OUTPUT_URL
    (orchestration/lib/storage.py)."""
    return local_folder(output_url()) or _path("BDC_OUTPUT_DIR", REPO_ROOT / "build")


def landing_dir() -> Path:
    """The local landing folder: BDC_LANDING_URL's folder when that is file://, else
    BDC_LANDING_DIR (default landing/), which the loader then does not read."""
    return local_folder(landing_url()) or _path("BDC_LANDING_DIR", REPO_ROOT / "landing")


def quarantine_dir() -> Path:
    return output_dir() / "quarantine"


def warehouse_dir() -> Path:
    return _path("BDC_WAREHOUSE_DIR", REPO_ROOT / ".warehouse")


def dagster_home() -> Path:
    return _path("DAGSTER_HOME", REPO_ROOT / ".dagster_home")


def reference_dir() -> Path:
    """The folder of real published files: the pinned snapshot in data/reference/ (see its
    manifest.yml), or a council's own copy of the same files in BDC_REFERENCE_DIR."""
    return _path("BDC_REFERENCE_DIR", REPO_ROOT / "data" / "reference")


def reference_mirror() -> str | None:
    """Where `bdc reference update` fetches newer files from (a mirror of the extracts), if set."""
    return os.environ.get(REFERENCE_MIRROR_VAR) or None


def contracts_dir() -> Path:
    return REPO_ROOT / "config" / "contracts"


def config_dir() -> Path:
    return REPO_ROOT / "config"


def dbt_project_dir() -> Path:
    return REPO_ROOT / "dbt_project"


def expectations_dir() -> Path:
    return REPO_ROOT / "expectations"


def postgres_parts(url: str) -> dict[str, str]:
    """Host, port, user, password and database of a PostgreSQL URL, as text."""
    parts = urlsplit(url)
    return {
        "HOST": parts.hostname or "127.0.0.1",
        "PORT": str(parts.port or 5432),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "DATABASE": parts.path.lstrip("/"),
    }


def dbt_env(url: str) -> dict[str, str]:
    """The BDC_PG_* variables the dbt profile reads, derived from one warehouse URL."""
    env = {f"BDC_PG_{key}": value for key, value in postgres_parts(url).items()}
    env["BDC_PG_DATABASE"] = env["BDC_PG_DATABASE"] or "postgres"
    return env


# The warnings the child processes (dbt, Dagster's) hide: named, known ones only, as in
# pyproject.toml's filterwarnings (PYTHONWARNINGS: action:start of message:category:module).
# - sqlglotrs (locked, required by nothing) warns on import that it is unmaintained; sqlglot, of
#   dagster-dbt, imports it only to see whether sqlglotc is missing, and sqlglotc is installed:
#   no sqlglotrs code runs.
KNOWN_WARNINGS = "ignore:sqlglotrs is deprecated:DeprecationWarning:sqlglotrs"


def quiet_tools() -> None:
    """Turn off telemetry and usage statistics: no network at run time."""
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PYTHONWARNINGS", KNOWN_WARNINGS)


def activate(url: str) -> None:
    """Point this process (and the dbt subprocesses it starts) at one warehouse."""
    quiet_tools()
    os.environ[WAREHOUSE_URL_VAR] = url
    os.environ.update(dbt_env(url))
    os.environ.setdefault("DAGSTER_HOME", str(dagster_home()))


def councils() -> dict[str, dict]:
    """Each council by its ONS code: `name` ("Redditch Borough Council"), `short_name`, and the
    public site's slug and colours (config/councils.yml)."""
    from orchestration.lib.registers import councils

    return councils.load(config_dir() / "councils.yml")

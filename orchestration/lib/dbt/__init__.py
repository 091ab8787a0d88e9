"""dbt under Dagster: one cached project, the translator, and manifest preparation."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import dagster as dg
import psycopg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from orchestration.lib import environment


class ManifestMissing(RuntimeError):
    pass


KEPT_INVOCATIONS = 20


def prune_invocations(target_dir: Path, op_name: str, keep: int = KEPT_INVOCATIONS) -> int:
    """dagster-dbt gives every dbt command of an op a folder of its own under target/
    (`<op>-<run>-<id>`: manifest, run results, compiled SQL, about 11 MB) and never removes
    them; a run a day would fill gigabytes in a year. Keep the newest `keep`; return how many
    were removed."""
    folders = sorted(
        (path for path in target_dir.glob(f"{op_name}-*") if path.is_dir()),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    for folder in folders[keep:]:
        shutil.rmtree(folder, ignore_errors=True)
    return len(folders[keep:])


def dbt_executable() -> str:
    return str(Path(sys.executable).parent / "dbt")


@cache
def dbt_project() -> DbtProject:
    return DbtProject(
        project_dir=environment.dbt_project_dir(),
        profiles_dir=environment.dbt_project_dir(),
        target=os.environ.get("DBT_TARGET", "dev"),
    )


def _source_files(project_dir: Path) -> list[Path]:
    files = [project_dir / "dbt_project.yml"]
    for folder in ["models", "macros", "seeds", "tests", "snapshots"]:
        files += sorted(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return [p for p in files if p.exists()]


def _newest_source_mtime(project_dir: Path) -> float:
    return max(p.stat().st_mtime for p in _source_files(project_dir))


def docs_fingerprint(url: str) -> str:
    """What dbt's documentation is made of: the project's files and the columns of the
    relations dbt documents (its models and sources). New rows change neither, so a run that
    only brings data needn't regenerate the docs."""
    digest = hashlib.sha256()
    project_dir = environment.dbt_project_dir()
    for path in _source_files(project_dir):
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + path.read_bytes())
    manifest = json.loads((project_dir / "target" / "manifest.json").read_text())
    relations = sorted(
        {
            (node["schema"], node.get("alias") or node.get("identifier") or node["name"])
            for node in [*manifest["nodes"].values(), *manifest["sources"].values()]
            if node["resource_type"] in ("model", "seed", "source")
        }
    )
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            "select table_schema, table_name, column_name, data_type, ordinal_position "
            "from information_schema.columns "
            "where (table_schema, table_name) in (select * from unnest(%s::text[], %s::text[])) "
            "order by 1, 2, 5",
            ([schema for schema, _ in relations], [name for _, name in relations]),
        ).fetchall()
    digest.update(repr(columns).encode())
    return digest.hexdigest()


# What dbt's partial parsing compares of the profile (its connection info, less the password)
# and the target. When they differ from those of the last parse, dbt parses everything again
# (slower than a partial parse) in every command, so the parse is redone once instead.
PROFILE_KEYS = ("BDC_PG_HOST", "BDC_PG_PORT", "BDC_PG_USER", "BDC_PG_DATABASE")
PARSED_PROFILE = "bdc_parsed_profile.json"


def prepare_manifest(force: bool = False, env: dict[str, str] | None = None) -> Path:
    """`dbt parse` (no database needed) when the manifest is missing, older than the models,
    or parsed for another warehouse. `env` adds to this process's environment (BDC_PG_*)."""
    project_dir = environment.dbt_project_dir()
    manifest = project_dir / "target" / "manifest.json"
    target = dbt_project().target
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **(env or {}),
    }
    for key in environment.dbt_env("x://"):
        env.setdefault(key, "unset")
    if not env["BDC_PG_PORT"].isdigit():
        env["BDC_PG_PORT"] = "5432"
    profile = json.dumps({key: env.get(key) for key in PROFILE_KEYS} | {"--target": target})
    stamp = manifest.parent / PARSED_PROFILE
    if (
        force
        or not manifest.exists()
        or manifest.stat().st_mtime < _newest_source_mtime(project_dir)
        or not stamp.exists()
        or stamp.read_text() != profile
    ):
        result = subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--quiet",
                "--project-dir",
                str(project_dir),
                "--profiles-dir",
                str(project_dir),
                # as dagster-dbt passes it: dbt compares the command's own --target too
                "--target",
                target,
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
        stamp.write_text(profile)
    return manifest


def manifest_path() -> Path:
    """The manifest the dbt assets are built from, parsed first when there is none yet (a clean
    checkout): the Definitions, and the asset keys of dbt models that assets depend on, are read
    from it when they are imported. An existing manifest is used as it is (`prepare_manifest()`
    refreshes it before a run)."""
    path = dbt_project().manifest_path
    if not path.exists():
        prepare_manifest()
    return path


class BdcTranslator(DagsterDbtTranslator):
    """Asset keys mirror the warehouse ([schema, table]); groups and owners come from dbt meta."""

    def get_asset_key(self, dbt_resource_props) -> dg.AssetKey:
        meta = dbt_resource_props.get("meta", {}).get("dagster", {})
        if meta.get("asset_key"):
            return dg.AssetKey(meta["asset_key"])
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props) -> str | None:
        meta = dbt_resource_props.get("config", {}).get("meta", {}).get("dagster", {})
        return meta.get("group") or super().get_group_name(dbt_resource_props)


def translator() -> BdcTranslator:
    return BdcTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

"""`bdc lint-sql [FILE]...` (hidden): sqlfluff on the dbt models, as the pre-commit hook runs it.

sqlfluff's dbt templater compiles each model with dbt, and dbt connects to a database to do so.
This lints against BDC_TEST_WAREHOUSE_URL's server when it is set (as the tests do), else
against a throwaway PostgreSQL (fsync off) that it starts and removes: never the warehouse.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from orchestration.commands.common import friendly
from orchestration.lib import environment

MODELS = "dbt_project/models"


@click.command("lint-sql", hidden=True)
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@friendly
def lint_sql(files: tuple[Path, ...]) -> None:
    """Lint the dbt models (or only FILES) with sqlfluff (pre-commit, make lint)."""
    targets = [os.path.relpath(path.resolve(), environment.REPO_ROOT) for path in files]
    server = os.environ.get("BDC_TEST_WAREHOUSE_URL")
    if server:
        sys.exit(_sqlfluff(server, targets or [MODELS]))
    from orchestration.lib import warehouse

    with tempfile.TemporaryDirectory(prefix="bdc-lint-sql-") as folder:
        cluster = warehouse.Cluster(warehouse._reachable_dir(Path(folder) / "warehouse"))
        try:
            code = _sqlfluff(warehouse.start(cluster, durable=False), targets or [MODELS])
        finally:
            warehouse.destroy(cluster)
    sys.exit(code)


def _sqlfluff(url: str, targets: list[str]) -> int:
    environment.quiet_tools()
    command = [str(Path(sys.executable).parent / "sqlfluff"), "lint", *targets]
    command += ["--processes", "2", "--disable-progress-bar"]
    env = {**os.environ, **environment.dbt_env(url)}
    return subprocess.run(command, cwd=environment.REPO_ROOT, env=env).returncode

"""sqlfluff on the dbt models, with the dbt templater against a real (empty) database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.lib import dbt, environment

pytestmark = pytest.mark.integration


def test_dbt_models_pass_sqlfluff(fresh_db):
    dbt.prepare_manifest()
    env = {**os.environ, **environment.dbt_env(fresh_db)}
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "sqlfluff"),
            "lint",
            "dbt_project/models",
            "--processes",
            "2",
            "--disable-progress-bar",
        ],
        cwd=environment.REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]

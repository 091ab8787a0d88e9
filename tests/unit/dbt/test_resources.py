"""The dbt resource skips dagster-dbt's `dbt --version` and in-process adapter with the pinned
dagster-dbt, and is dagster-dbt's own with any other."""

import shutil
import subprocess
from importlib import metadata

import pytest
from dagster_dbt import DbtCliResource
from packaging.version import Version

from orchestration.lib import environment
from orchestration.lib.dbt import resources
from orchestration.lib.library_patches import PatchSkippedWarning

pytestmark = pytest.mark.unit


def test_the_pinned_dagster_dbt_runs_no_dbt_to_learn_its_version_and_builds_no_adapter():
    assert type(resources.dbt_resource()) is resources.InstalledDbtCliResource
    # An executable that fails when run: the version comes from the installed dbt-core instead.
    failing = shutil.which("false")
    project = str(environment.dbt_project_dir())
    patched = resources.InstalledDbtCliResource(project_dir=project, dbt_executable=failing)
    assert patched._cli_version == Version(metadata.version("dbt-core"))
    assert patched._initialize_dbt_core_adapter(["run"]) is None
    stock = DbtCliResource(project_dir=project, dbt_executable=failing)
    with pytest.raises(subprocess.CalledProcessError):
        stock._cli_version  # noqa: B018 -- dagster-dbt's own runs `dbt --version`


def test_another_dagster_dbt_gets_its_own_resource():
    with pytest.warns(PatchSkippedWarning, match="dagster-dbt 0.30.0 is installed"):
        resource = resources.dbt_resource(installed={"dagster-dbt": "0.30.0"})
    assert type(resource) is DbtCliResource

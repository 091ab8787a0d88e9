"""dagster-dbt's per-command folders under dbt's target/ are pruned to the newest few."""

import os

from orchestration.lib.dbt import prune_invocations


def test_only_the_newest_invocation_folders_of_the_op_are_kept(tmp_path):
    for age in range(30):  # dbt_models-<run>-<id>, one a minute, the newest last
        folder = tmp_path / f"dbt_models-run{age:04d}-x"
        folder.mkdir()
        (folder / "run_results.json").write_text("{}")
        os.utime(folder, (1_000_000 + age * 60, 1_000_000 + age * 60))
    (tmp_path / "dbt_docs-old-x").mkdir()  # another op's folder
    (tmp_path / "manifest.json").write_text("{}")  # dbt's own artifacts stay

    assert prune_invocations(tmp_path, "dbt_models", keep=20) == 10

    kept = sorted(p.name for p in tmp_path.glob("dbt_models-*"))
    assert kept == [f"dbt_models-run{age:04d}-x" for age in range(10, 30)]
    assert (tmp_path / "dbt_docs-old-x").is_dir() and (tmp_path / "manifest.json").exists()
    assert prune_invocations(tmp_path, "dbt_models", keep=20) == 0

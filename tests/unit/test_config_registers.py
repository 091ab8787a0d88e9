"""The registers of config/: `bdc config check` names each problem's file and line with a
suggestion, and the JSON Schemas editors use are committed, current and met by every register.
No database: copies of config/ in tmp_path, checked through the command."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from orchestration import cli
from orchestration.lib import environment, yamlfiles
from orchestration.lib.registers import catalogue

pytestmark = pytest.mark.unit

BDC = str(Path(sys.executable).parent / "bdc")
CONFIG = environment.config_dir()


@pytest.fixture
def config_copy(tmp_path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG, folder)
    return folder


def check(config_dir: Path):
    return CliRunner().invoke(cli.main, ["config", "check", "--config-dir", str(config_dir)])


def edit(config_dir: Path, file: str, old: str, new: str) -> tuple[Path, int]:
    """Replace the first `old` in the file; the file and the line of the change (1-based)."""
    path = config_dir / file
    text = path.read_text(encoding="utf-8")
    assert old in text, (file, old)
    start = text.index(old) + len(old) - len(old.lstrip("\n"))
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path, text[:start].count("\n") + 1


def test_the_committed_registers_are_all_valid():
    result = CliRunner().invoke(cli.main, ["config", "check"])
    assert result.exit_code == 0, result.output
    summary = result.output.strip()
    assert summary.endswith(": all valid")
    assert summary.startswith(f"{len(catalogue.REGISTERS)} registers, 2 councils, ")
    contracts = len(list((CONFIG / "contracts").glob("*.yml")))
    assert f" {contracts} contracts, " in summary
    measures = sum(
        len(yamlfiles.read(path).data["measures"]) for path in (CONFIG / "measures").glob("*.yml")
    )
    assert f" {measures} measures, " in summary


# One misspelt key in each register: the line of the key, and the key it was meant to be.
MISSPELT = [
    ("councils.yml", "  short_name:", "  shortname:", "short_name"),
    ("contracts/crm_contacts.yml", "\ngrain:", "\ngrian:", "grain"),
    ("measures/home.yml", "    definition:", "    defintion:", "definition"),
    ("sharing_agreements.yml", "    lawful_basis:", "    lawfull_basis:", "lawful_basis"),
    ("reporting_calendar.yml", "  meeting_day: 15", "  meeting_days: 15", "meeting_day"),
    ("cmt_focus.yml", "    added_by:", "    addedby:", "added_by"),
    ("trials.yml", "    hypothesis:", "    hypotesis:", "hypothesis"),
    ("spc_annotations.yml", "    recorded_by:", "    recorded_bye:", "recorded_by"),
]


def test_every_register_is_covered():
    files = {register.files for register in catalogue.REGISTERS}
    covered = {file if "/" not in file else f"{file.split('/')[0]}/*.yml" for file, *_ in MISSPELT}
    assert covered == files


@pytest.mark.parametrize(("file", "old", "new", "meant"), MISSPELT, ids=[m[0] for m in MISSPELT])
def test_a_misspelt_key_is_reported_with_file_line_and_the_key_meant(
    config_copy, file, old, new, meant
):
    path, line = edit(config_copy, file, old, new)
    result = check(config_copy)
    assert result.exit_code == 1, result.output
    wrong = new.strip().rstrip(":").split(":")[0]
    expected = f"{path}, line {line}, column "
    found = [row for row in result.output.splitlines() if row.startswith(expected)]
    assert found, result.output
    assert f"{wrong}': is not a field it may have; did you mean {meant}" in found[0]
    assert f"field '{meant}': is required" not in result.output  # one problem, not two
    assert "1 problem in 1 file" in result.output


# An unknown measure id in each register that names measures: its line and the nearest id.
UNKNOWN_MEASURE = [
    (
        "cmt_focus.yml",
        "measure_id: ena_failure_demand_share",
        "measure_id: ena_failure_demand_shar",
        "ena_failure_demand_share",
    ),
    (
        "trials.yml",
        "      - fin_e2e_benefit_new_claim_median",
        "      - fin_e2e_benefit_new_claims_median",
        "fin_e2e_benefit_new_claim_median",
    ),
    (
        "spc_annotations.yml",
        "measure_id: fin_e2e_benefit_new_claim_median",
        "measure_id: fin_e2e_benefit_newclaim_median",
        "fin_e2e_benefit_new_claim_median",
    ),
    (
        "sharing_agreements.yml",
        "measures: [ind_families_engaged,",
        "measures: [ind_family_engaged,",
        "ind_families_engaged",
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "meant"), UNKNOWN_MEASURE, ids=[m[0] for m in UNKNOWN_MEASURE]
)
def test_an_unknown_measure_id_is_reported_with_file_line_and_the_nearest_id(
    config_copy, file, old, new, meant
):
    path, line = edit(config_copy, file, old, new)
    result = check(config_copy)
    assert result.exit_code == 1, result.output
    typed = new.split()[-1].strip("[,")
    rows = [row for row in result.output.splitlines() if row.startswith(f"{path}, line {line}, ")]
    assert rows, result.output
    assert f"'{typed}' is not in the measure registry; did you mean {meant}" in rows[0]


def test_a_measure_for_the_wrong_council_is_named(config_copy):
    """A focus list of one council may only name measures that apply to it."""
    edit(
        config_copy,
        "measures/home.yml",
        "  - id: hou_hclic_owed_prevention_duty\n",
        "  - id: hou_hclic_owed_prevention_duty\n    councils: [E07000236]\n",
    )
    focus = config_copy / "cmt_focus.yml"
    focus.write_text(
        focus.read_text().split("lists:")[0]
        + "lists:\n  - from: 2025-01-01\n    council_code: E07000234\n    measures:\n"
        "      - measure_id: hou_hclic_owed_prevention_duty\n"
    )
    result = check(config_copy)
    assert result.exit_code == 1, result.output
    last = len(focus.read_text().splitlines())
    assert (
        f"{focus}, line {last}, column 9: focus list 1, measure 1, field 'measure_id': measure "
        "'hou_hclic_owed_prevention_duty' does not apply to E07000234"
    ) in result.output


def test_problems_in_several_registers_are_all_reported(config_copy):
    edit(config_copy, "trials.yml", "start_date: 2025-06-01", "start_date: 2025-06-31")
    edit(config_copy, "measures/business.yml", "family: case_within", "family: case_withn")
    edit(config_copy, "councils.yml", "#1d5a3a", "#8cc63f")
    (config_copy / "spc_annotations.yml").write_text("annotations:\n  - measure_id: [unclosed\n")
    result = check(config_copy)
    assert result.exit_code == 1
    out = result.output
    assert "trial 'bdc-benefits-new-claims-redesign', field 'start_date': must be a date" in out
    assert "'2025-06-31'" in out
    assert "field 'calculation.family': must be one of contact_share" in out
    assert "did you mean case_within" in out
    assert "white text on #8cc63f has a contrast of 2.0:1, below 4.5:1" in out
    assert "spc_annotations.yml, line 3, column 1: not valid YAML" in out
    assert "4 problems in 4 files" in out


def test_a_rule_between_fields_points_at_the_field_in_the_defaults(config_copy):
    """A measure takes its file's defaults: a problem in one is reported where it is written."""
    path, line = edit(
        config_copy,
        "measures/home.yml",
        "  is_public: true\n",
        "  is_public: true\n  signals: year_on_year\n",
    )
    result = check(config_copy)
    assert result.exit_code == 1
    # The file's first measure is quarterly: the default written on the next line is wrong for it.
    assert (
        f"{path}, line {line + 1}, column 3: measure 'hou_hclic_owed_prevention_duty', "
        "field 'signals': year_on_year compares months: make it monthly"
    ) in result.output


def test_the_command_needs_no_database(tmp_path):
    """As a person runs it: the installed `bdc`, pointed at no warehouse at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BDC_", "PG"))}
    env["BDC_WAREHOUSE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    run = subprocess.run(
        [BDC, "config", "check"], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().endswith("all valid")


# The JSON Schemas editors read.


def test_the_committed_schemas_are_those_the_models_generate():
    for register in catalogue.REGISTERS:
        path = catalogue.schemas_dir() / register.schema_file
        assert path.exists(), f"{path} is missing: run `bdc config schemas`"
        assert json.loads(path.read_text()) == register.schema(), (
            f"{path} differs from its model: run `bdc config schemas`"
        )
    result = CliRunner().invoke(cli.main, ["config", "schemas", "--check"])
    assert result.exit_code == 0, result.output


def test_a_changed_model_makes_the_schema_check_fail(config_copy, monkeypatch):
    stale = config_copy / "schemas" / "trials.schema.json"
    stale.write_text(stale.read_text().replace('"hypothesis"', '"hypotheses"'))
    monkeypatch.setattr(environment, "config_dir", lambda: config_copy)
    assert catalogue.stale_schemas() == [stale]
    result = CliRunner().invoke(cli.main, ["config", "schemas", "--check"])
    assert result.exit_code == 1 and "trials.schema.json differs from its model" in result.output
    result = CliRunner().invoke(cli.main, ["config", "schemas"])
    assert result.exit_code == 0 and catalogue.stale_schemas() == []


def _register_files():
    return [(register, path) for register in catalogue.REGISTERS for path in register.paths(CONFIG)]


@pytest.mark.parametrize(
    ("register", "path"),
    _register_files(),
    ids=[str(path.relative_to(CONFIG)) for _, path in _register_files()],
)
def test_every_register_file_names_and_meets_its_committed_schema(register, path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == register.modeline(path, CONFIG)
    assert first.startswith("# yaml-language-server: $schema=")
    schema_path = (path.parent / first.split("$schema=", 1)[1]).resolve()
    assert schema_path == (catalogue.schemas_dir() / register.schema_file).resolve()
    schema = json.loads(schema_path.read_text())
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    data = catalogue.as_json(yamlfiles.read(path).data)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


@pytest.mark.parametrize(("file", "old", "new", "meant"), MISSPELT, ids=[m[0] for m in MISSPELT])
def test_each_schema_refuses_a_misspelt_key_as_an_editor_would(config_copy, file, old, new, meant):
    register = next(r for r in catalogue.REGISTERS if (CONFIG / file) in r.paths(CONFIG))
    schema = json.loads((catalogue.schemas_dir() / register.schema_file).read_text())
    path, _ = edit(config_copy, file, old, new)
    data = catalogue.as_json(yamlfiles.read(path).data)
    messages = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
    wrong = new.strip().rstrip(":").split(":")[0]
    assert any(f"'{wrong}'" in message for message in messages), messages

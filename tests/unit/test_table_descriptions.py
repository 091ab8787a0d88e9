"""Every table and column analysts read is described, in one form, and docs/tables.md is what
those descriptions give (orchestration.lib.descriptions). The database side (comments stored
after each build) is tested in tests/integration/test_table_descriptions.py and, after a whole
run, in tests/e2e/test_pipeline.py."""

import glob

import pytest
import yaml

from orchestration.lib import descriptions, environment
from orchestration.lib.analysis import store as analysis_store
from orchestration.lib.descriptions import DescriptionError, document
from orchestration.lib.publishing import publish

pytestmark = pytest.mark.unit

# The keys a column of a dbt .yml may have. Any other key is almost always the rest of a
# description cut off by an unquoted comma in a flow mapping ({name: x, description: a, b}).
DBT_COLUMN_KEYS = {"name", "data_type", "description", "constraints", "data_tests", "tests"}


@pytest.fixture(scope="module")
def manifest():
    return document.manifest()


def test_docs_tables_md_is_what_the_descriptions_give(manifest):
    written = document.OUTPUT.read_text(encoding="utf-8")
    assert written == document.render(manifest), (
        "docs/tables.md differs from the descriptions: run python -m orchestration.lib.descriptions"
    )
    # The README's own example queries read these; all are in it.
    for table in (
        "marts.fct_case_end_to_end",
        "marts.fct_measure_values",
        "analysis.measure_icons",
    ):
        assert f"### {table}\n" in written, table


def test_every_model_in_the_analysts_schemas_and_each_of_its_columns_is_described(manifest):
    tables = document.dbt_tables(manifest)
    assert {t.qualified for t in tables} >= {"marts.fct_measure_values", "marts.dim_measures"}
    missing = [t.qualified for t in tables if not t.description]
    missing += [f"{t.qualified}.{c.name}" for t in tables for c in t.columns if not c.description]
    assert missing == [], f"no description in the model's .yml for: {', '.join(missing)}"
    # A model whose .yml lists no columns would leave every column undescribed in the database.
    assert [t.qualified for t in tables if not t.columns] == []


def test_no_description_in_a_models_yml_is_cut_short_by_an_unquoted_comma():
    stray = []
    for path in glob.glob(
        str(environment.dbt_project_dir() / "models" / "**" / "*.yml"), recursive=True
    ):
        data = yaml.safe_load(open(path, encoding="utf-8")) or {}
        entries = list(data.get("models") or [])
        entries += [t for s in data.get("sources") or [] for t in s.get("tables") or []]
        for entry in entries:
            for column in entry.get("columns") or []:
                extra = set(column) - DBT_COLUMN_KEYS
                if extra:
                    stray.append(f"{path}: {entry['name']}.{column.get('name')}: {sorted(extra)}")
    assert stray == [], "quote these descriptions:\n" + "\n".join(stray)


def test_python_tables_are_described_column_for_column_as_their_code_creates_them():
    described = descriptions.python_tables()
    for schema, tables in (
        ("analysis", {name: analysis_store.columns_of(name) for name in analysis_store.TABLES}),
        ("publish", {name: publish._columns(sql) for name, sql in publish.TABLES.items()}),
    ):
        for name, columns in tables.items():
            table = described.get((schema, name))
            assert table is not None, f"{schema}.{name} has no entry in its table_descriptions.yml"
            assert [c.name for c in table.columns] == columns, f"{schema}.{name}"
    assert ("marts", "measure_quality") in described
    assert {schema for schema, _ in described} <= set(descriptions.SCHEMAS)


def test_tables_with_the_same_columns_are_written_once(manifest):
    text = document.render(manifest)
    assert text.count("| `loaded_at` | When the figure was written") == 1
    assert "### marts.home_measure_values" in text
    assert "Columns: the same as marts.fct_measure_values" in text


def _file(tmp_path, text: str):
    path = tmp_path / "table_descriptions.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "schema: analysis\ntables:\n  - name: t\n    description: A table.\n    columns:\n"
            "      - {name: a, description: ''}\n",
            "table 't', column 'a': needs a description",
        ),
        (
            "schema: analysis\ntables:\n  - name: t\n    description: A table.\n    columns:\n"
            "      - {name: a, descripton: A column.}\n",
            "unknown field 'descripton'",
        ),
        (
            "schema: analysis\ntables:\n  - name: t\n    description: A table.\n    columns:\n"
            "      - {name: a, description: One.}\n      - {name: a, description: Two.}\n",
            "column 'a' is listed twice",
        ),
        ("schema: raw\ntables: []\n", "schema: must be one of marts, analysis, publish"),
        ("schema: [\n", "not valid YAML"),
    ],
)
def test_a_wrong_descriptions_file_is_refused_naming_the_file_and_the_entry(
    tmp_path, text, message
):
    path = _file(tmp_path, text)
    with pytest.raises(DescriptionError) as raised:
        descriptions.load_file(path)
    assert str(path) in str(raised.value) and message in str(raised.value)


def test_the_template_must_mark_where_each_schema_goes(manifest):
    with pytest.raises(DescriptionError, match="<!-- tables: <schema> -->"):
        document.render(manifest, template="# Tables\n<!-- tables: marts -->\n")

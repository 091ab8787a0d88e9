"""The expectations a source's written contract implies, checked again on its loaded raw table:
its columns, required values, codes, ranges and references, its key, its lineage (every row from
a loaded file in audit.loads, every loaded row in the table) and its volume against history.

A suite that names a contract (`contract:` in its file) gets these before its own.
"""

from orchestration.lib import contracts
from orchestration.lib.quality.expectations import UNEXPECTED_ROWS, Expectation
from orchestration.lib.quality.loaded_batches import Batches

LINEAGE_COLUMNS = ("_batch_id", "_source_file", "_loaded_at")


def _supplier(contract: contracts.Contract) -> str:
    return contract.owner or "the data's supplier"


def _resend(contract: contracts.Contract, what: str) -> str:
    return (
        f"Ask {_supplier(contract)} to {what} and send the corrected file to the landing folder "
        f"({contract.source}); it replaces the earlier file of the same period."
    )


def contract_expectations(contract: contracts.Contract) -> list[Expectation]:
    """What a source's written contract implies, checked again on the loaded table."""
    found = [
        Expectation(
            "expect_table_columns_to_match_set",
            {"column_set": [*contract.column_names, *LINEAGE_COLUMNS], "exact_match": True},
            "well_defined",
            "ERROR",
            id="columns_match_contract",
            description=f"The table has exactly the columns of contract {contract.source}.",
            action=(
                _resend(contract, "send the file with the contract's columns")
                + f" If the layout changed on purpose, change the contract "
                f"(config/contracts/{contract.source}.yml) first."
            ),
        )
    ]
    for column in contract.columns:
        if column.required:
            found.append(
                Expectation(
                    "expect_column_values_to_not_be_null",
                    {"column": column.name},
                    "well_defined",
                    "ERROR",
                    description=f"{column.name} is required by the contract.",
                    action=_resend(contract, f"fill in {column.name} in the rows concerned"),
                )
            )
        if column.allowed:
            found.append(
                Expectation(
                    "expect_column_values_to_be_in_set",
                    {"column": column.name, "value_set": list(column.allowed)},
                    "accurate",
                    "ERROR",
                    description=f"{column.name} uses only the contract's codes.",
                    action=(
                        _resend(contract, f"correct {column.name} in the rows concerned")
                        + " If a new code is valid, add it to the contract's list first."
                    ),
                )
            )
        if column.type in ("integer", "numeric") and (column.min, column.max) != (None, None):
            found.append(
                Expectation(
                    "expect_column_values_to_be_between",
                    {"column": column.name, "min_value": column.min, "max_value": column.max},
                    "accurate",
                    "ERROR",
                    description=f"{column.name} lies within [{column.min}, {column.max}].",
                    action=_resend(contract, f"check {column.name} in the rows concerned"),
                )
            )
        if column.references:
            found.append(_reference_match(contract, column))
    if contract.primary_key:
        found.append(_key_enforced(contract))
    found += _lineage_expectations(contract)
    if contract.period_column:
        found += _volume_expectations(contract)
    return found


def _rows(query: str) -> dict:
    return {"unexpected_rows_query": " ".join(query.split())}


def _reference_match(contract: contracts.Contract, column: contracts.Column) -> Expectation:
    table, key = column.references.split(".")
    query = f"""
        select count(*) filter (where r.{key} is null) as unmatched, count(*) as given
        from {{batch}} b left join raw.{table} r on r.{key} = b.{column.name}
        where b.{column.name} is not null
        having count(*) > 0 and count(*) filter (where r.{key} is null) > 0.05 * count(*)"""
    return Expectation(
        UNEXPECTED_ROWS,
        _rows(query),
        "accurate",
        "WARN",
        id=f"match_rate:{column.name}",
        description=f"At least 95% of {column.name} values match {column.references}.",
        requires=(f"raw.{table}",),
        action=(
            f"Load the latest {table} if it is out of date; otherwise ask "
            f"{_supplier(contract)} to correct {column.name} in the rows that do not match."
        ),
    )


def _key_enforced(contract: contracts.Contract) -> Expectation:
    """No duplicate key, as the warehouse guarantees it: every raw table with a key has a unique
    index on it (loaders.ensure_raw_table), which refuses a duplicate with its file. Checking that
    the index is there and valid proves what grouping the whole table would, without the scan
    (a fifth of raw.crm_contacts' suite at scale 1: docs/benchmarks.md)."""
    key = ", ".join(f"'{column}'" for column in contract.primary_key)
    query = f"""
        select 'raw.{contract.source}' as relation from (select 1 from {{batch}} b limit 1) t
        where not exists (
            select 1 from pg_index i
            where i.indrelid = to_regclass('raw.{contract.source}')
              and i.indisunique and i.indisvalid and i.indpred is null
              and array(select a.attname::text
                        from unnest(i.indkey) with ordinality as k(attnum, position)
                        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                        order by k.position) = array[{key}]::text[])"""
    names = ", ".join(contract.primary_key)
    return Expectation(
        UNEXPECTED_ROWS,
        _rows(query),
        "reliable",
        "ERROR",
        id="key_unique",
        description=f"No duplicate {names}: a unique index on it refuses them as files load.",
        action=(
            f"Load a file of {contract.source} through the landing folder: the loader puts back "
            "the unique index on the key and refuses a file with a duplicate. Ask the data "
            "engineer if the index cannot be rebuilt because duplicates are already loaded."
        ),
    )


def _lineage_expectations(contract: contracts.Contract) -> list[Expectation]:
    source = contract.source
    orphans = """
        select p._batch_id, p.rows
        from (select _batch_id, count(*) as rows from {batch} b group by _batch_id) p
        left join audit.loads l on l.batch_id = p._batch_id and l.outcome = 'loaded'
        where l.batch_id is null"""
    files = f"""
        select batch_id, file_name from audit.loads
        where source = '{source}' and outcome = 'loaded'
          and (rows_read <> rows_loaded + rows_rejected or length(file_checksum) <> 64)
          and exists (select 1 from {{batch}})"""
    return [
        Expectation(
            "expect_column_values_to_not_be_null",
            {"column": "_batch_id"},
            "verifiable",
            "ERROR",
            description="Every row carries the batch that loaded it.",
        ),
        Expectation(
            UNEXPECTED_ROWS,
            _rows(orphans),
            "verifiable",
            "ERROR",
            id="rows_trace_to_loaded_batch",
            description="Every row traces to a loaded file, batch and checksum in audit.loads.",
        ),
        batch_rows_reconcile(source),
        Expectation(
            UNEXPECTED_ROWS,
            _rows(files),
            "verifiable",
            "ERROR",
            id="file_rows_reconcile",
            description="Each loaded file: rows read = rows loaded + rejected, with a checksum.",
        ),
    ]


def batch_rows_reconcile(source: str, batches: Batches | None = None) -> Expectation:
    """Every loaded batch (or every one of `batches`) has the rows audit.loads says it loaded."""
    only = "" if batches is None else f" and l.batch_id = any({batches.sql_array()})"
    query = f"""
        select l.batch_id, l.file_name, l.rows_loaded, coalesce(p.rows, 0) as rows_in_table
        from audit.loads l
        left join (select _batch_id, count(*) as rows from {{batch}} t group by _batch_id) p
          on p._batch_id = l.batch_id
        where l.source = '{source}' and l.outcome = 'loaded'{only}
          and l.rows_loaded <> coalesce(p.rows, 0)"""
    return Expectation(
        UNEXPECTED_ROWS,
        _rows(query),
        "verifiable",
        "ERROR",
        id="batch_rows_reconcile",
        description="Rows per batch in the table equal the rows audit.loads says were loaded.",
    )


def _volume_query(contract: contracts.Contract, low: float, high: float | None) -> str:
    """Rows per period from audit.loads, not by counting the table: the same numbers while
    batch_rows_reconcile and rows_trace_to_loaded_batch pass (they are checked in the same
    suite), without two more scans of the table."""
    above = f" or latest.rows > {high} * history.median" if high else ""
    return f"""
        with per_batch as (
            select l.batch_id as _batch_id, l.period_start, l.rows_loaded as rows
            from audit.loads l
            where l.source = '{contract.source}' and l.outcome = 'loaded'
              and exists (select 1 from {{batch}})),
        latest as (select * from per_batch order by period_start desc nulls last limit 1),
        history as (
            select percentile_cont(0.5) within group (order by rows) as median,
                   count(*) as batches
            from (select rows from per_batch
                  where _batch_id <> (select _batch_id from latest)
                  order by period_start desc limit 12) recent)
        select latest._batch_id, latest.period_start, latest.rows, history.median
        from latest, history
        where history.batches >= 3
          and (latest.rows < {low} * history.median{above})"""


def _volume_expectations(contract: contracts.Contract) -> list[Expectation]:
    action = (
        f"Ask {_supplier(contract)} whether the latest file is complete. If it is not, load the "
        "complete file (it replaces the partial one); if it is, the Policy Team can record a "
        "waiver saying why the volume changed."
    )
    return [
        Expectation(
            UNEXPECTED_ROWS,
            _rows(_volume_query(contract, 0.5, 1.5)),
            "reliable",
            "WARN",
            id="volume_against_history",
            description=(
                "The latest period's rows are within half to one and a half times the median "
                "of the previous 12 periods."
            ),
            action=action,
        ),
        Expectation(
            UNEXPECTED_ROWS,
            _rows(_volume_query(contract, 0.2, None)),
            "reliable",
            "ERROR",
            id="volume_collapse",
            description=(
                "The latest period has at least a fifth of the median rows of the previous "
                "12 periods (fewer suggests a truncated or partial file)."
            ),
            action=action,
        ),
    ]

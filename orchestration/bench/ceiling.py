"""Ingest against its ceiling: the loader and a plain COPY of the same files, same database.

Both load every file of one source into a fresh database on the benchmark's server (the
loader as a raw asset runs it: `loaders.ingest_files`, one connection for the files). The
ceiling is `COPY ... FROM STDIN (FORMAT csv, HEADER)` streaming the file unchanged into a table
with the contract's column types and no indexes, keys or batch columns: what PostgreSQL can
take in with no validation, no audit and no index upkeep.
"""

import time
from pathlib import Path

import psycopg
from psycopg import sql

from orchestration.lib import contracts, warehouse
from orchestration.lib.ingest import landing, loaders
from orchestration.lib.warehouse import bootstrap

DATABASE = "bench_ceiling"
BLOCK = 1 << 20


def largest_source(landing_dir: Path) -> str:
    """The landing source with the most bytes (the most rows, in practice)."""
    sizes = {
        folder.name: sum(path.stat().st_size for path in folder.iterdir() if path.is_file())
        for folder in landing_dir.iterdir()
        if folder.is_dir() and folder.name in contracts.all_contracts()
    }
    return max(sizes, key=sizes.get)


def source_files(landing_dir: Path, source: str) -> list[Path]:
    folder = landing_dir / source
    return sorted(
        path for path in folder.iterdir() if path.suffix.lower() in landing.LANDING_SUFFIXES
    )


def _plain_copy(url: str, contract: contracts.Contract, files: list[Path]) -> float:
    table = sql.Identifier("public", f"ceiling_{contract.source}")
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(column.name), sql.SQL(column.sql_type))
        for column in contract.columns
    )
    copy = sql.SQL("copy {} ({}) from stdin with (format csv, header true)").format(
        table, sql.SQL(", ").join(map(sql.Identifier, contract.column_names))
    )
    with psycopg.connect(url) as conn:
        conn.execute(sql.SQL("drop table if exists {}").format(table))
        conn.execute(sql.SQL("create table {} ({})").format(table, columns))
        conn.commit()
        started = time.perf_counter()
        for path in files:
            with path.open("rb") as handle, conn.cursor().copy(copy) as copier:
                for block in iter(lambda handle=handle: handle.read(BLOCK), b""):
                    copier.write(block)
            conn.commit()
        return time.perf_counter() - started


def _code_sources(contract: contracts.Contract) -> list[str]:
    """Sources whose codes the loader checks against: loaded first, untimed, as in the pipeline."""
    return sorted({c.codes_from.split(".")[0] for c in contract.columns if c.codes_from})


def measure(server_url: str, landing_dir: Path, source: str | None = None) -> dict:
    source = source or largest_source(landing_dir)
    contract = contracts.get(source)
    files = source_files(landing_dir, source)
    url = server_url.rsplit("/", 1)[0] + f"/{DATABASE}"
    warehouse.create_database(url)
    bootstrap.bootstrap(url)
    for prerequisite in _code_sources(contract):
        loaders.ingest_files(url, source_files(landing_dir, prerequisite), prerequisite, False)
    started = time.perf_counter()
    results = loaders.ingest_files(url, files, source, quarantine=False)
    loader_seconds = time.perf_counter() - started
    for result in results:
        if result.outcome != "loaded":
            raise RuntimeError(f"The loader did not load {result.file.name}: {result.summary()}")
    rows = sum(result.rows_loaded for result in results)
    copy_seconds = _plain_copy(url, contract, files)
    return {
        "source": source,
        "files": len(files),
        "rows": rows,
        "bytes": sum(path.stat().st_size for path in files),
        "loader_seconds": round(loader_seconds, 3),
        "copy_seconds": round(copy_seconds, 3),
        "loader_rows_per_second": round(rows / loader_seconds) if loader_seconds else None,
        "copy_rows_per_second": round(rows / copy_seconds) if copy_seconds else None,
        "ingest_ratio": round(copy_seconds / loader_seconds, 3) if loader_seconds else None,
    }

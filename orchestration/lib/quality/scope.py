"""What an incremental raw suite must check: the whole table, or only the batches loaded since.

A raw table changes only by loads: each adds a batch, and a corrected file replaces the earlier
batch of its period in the same transaction (loaders.py). So once a suite has passed on the whole
table, checking the batches loaded since proves the same of the table, for as long as that basis
holds. The basis (`Basis`) is what the previous runs relied on: the suite's expectations, and for
the table and every raw table the suite reads, its file on disk (a TRUNCATE or rewrite changes
it), its rows updated and deleted (pg_stat_user_tables) and its batches superseded (audit.loads).

The whole table is checked when the suite's previous run failed anything (a WARN too, so the
failing rows are found again), had another basis, or is older than this scheme; also when a batch
it covered is no longer loaded. Otherwise only the loaded batches it has not yet covered are
checked. A passing run records the batches it covered in audit.quality_coverage.
"""

import json
from dataclasses import asdict, dataclass

import psycopg

from orchestration.lib import checksums
from orchestration.lib.quality import store
from orchestration.lib.quality.expectations import Expectation
from orchestration.lib.quality.loaded_batches import Batches
from orchestration.lib.quality.suite_files import Suite

BASIS_SQL = """
select c.relfilenode::text, coalesce(s.n_tup_upd + s.n_tup_del, 0),
       (select count(*) from audit.loads where source = %(source)s and outcome = 'superseded')
from pg_class c left join pg_stat_user_tables s on s.relid = c.oid
where c.oid = to_regclass(%(relation)s)
"""


@dataclass(frozen=True)
class Scope:
    batches: Batches | None  # None: the whole table
    basis: str
    loaded: tuple[str, ...]  # the table's loaded batches when the scope was decided


def _relation_state(conn: psycopg.Connection, relation: str) -> list:
    row = conn.execute(
        BASIS_SQL, {"relation": relation, "source": relation.split(".", 1)[1]}
    ).fetchone()
    return list(row) if row else [None]


def _checked(expectation: Expectation) -> dict:
    """What an expectation checks: who owns it and what to do when it fails change nothing."""
    checked = asdict(expectation)
    del checked["owner"], checked["action"]
    return checked


def basis(conn: psycopg.Connection, suite: Suite) -> str:
    """A digest of what checking only new batches relies on (see the module docstring)."""
    read = sorted({suite.table, *(name for item in suite.expectations for name in item.requires)})
    state = {
        "expectations": [_checked(item) for item in suite.expectations],
        "relations": {name: _relation_state(conn, name) for name in read},
    }
    return checksums.sha256(json.dumps(state, sort_keys=True, default=str))


def plan(url: str, suite: Suite) -> Scope:
    """The scope of the suite's next run."""
    with psycopg.connect(url) as conn:
        if (
            not suite.incremental
            or conn.execute("select to_regclass(%s) is null", (suite.table,)).fetchone()[0]
        ):
            return Scope(None, "", ())
        store.ensure_tables(conn)
        current = basis(conn, suite)
        loaded = dict(
            conn.execute(
                "select batch_id::text, started_at from audit.loads "
                "where source = %s and outcome = 'loaded'",
                (suite.table.split(".", 1)[1],),
            ).fetchall()
        )
        previous = conn.execute(
            "select success, basis from audit.quality_runs where suite = %s "
            "order by checked_at desc limit 1",
            (suite.name,),
        ).fetchone()
        covered = {
            batch_id
            for (batch_id,) in conn.execute(
                "select batch_id::text from audit.quality_coverage where suite = %s",
                (suite.name,),
            )
        }
    whole = Scope(None, current, tuple(loaded))
    if previous is None or not previous[0] or previous[1] != current or covered - set(loaded):
        return whole
    new = sorted(set(loaded) - covered)
    if len(new) == len(loaded):
        return whole
    since = min((loaded[batch_id] for batch_id in new), default=None)
    return Scope(Batches(tuple(new), since), current, tuple(loaded))


def record(conn: psycopg.Connection, run_id: str, suite: Suite, scope: Scope, passed: bool):
    """After a run: a failure empties the suite's coverage; a passing whole-table run replaces
    it with every batch it saw; a passing run of new batches adds them."""
    if not suite.incremental:
        return
    if scope.batches is None or not passed:
        conn.execute("delete from audit.quality_coverage where suite = %s", (suite.name,))
    if not passed:
        return
    checked = scope.loaded if scope.batches is None else scope.batches.ids
    with conn.cursor() as cursor:
        cursor.executemany(
            "insert into audit.quality_coverage (suite, batch_id, run_id) values (%s, %s, %s) "
            "on conflict do nothing",
            [(suite.name, batch_id, run_id) for batch_id in checked],
        )

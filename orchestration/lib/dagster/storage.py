"""Dagster's local SQLite storage, with the event log's database connections kept open.

Dagster's own SqliteEventLogStorage builds a new SQLAlchemy engine and SQLite connection for
every event it stores, commits it with an fsync and closes the connection, which checkpoints the
write-ahead log, for every one of the hundreds of events a run stores (docs/benchmarks.md).
This keeps the engines of the last few database files for the life of the
process, with their connections pooled, and commits with `synchronous=NORMAL`, SQLite's setting
for write-ahead logging: a power cut can lose the last events, never corrupt the file.

Only the local instance (dagster.yaml) uses it; production keeps Dagster's PostgreSQL storage
(deploy/dagster.prod.yaml).
"""

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

# The two classes by the paths Dagster's own instance configuration names them by; the private
# names the pooled event log uses are imported where used, after POOLED_EVENT_LOG has found them.
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from orchestration.lib.library_patches import Patch

# What: LocalEventLogStorage overrides SqliteEventLogStorage's private _connect (and has_table,
# dispose) to keep an engine per database file, and LocalStorage replaces its storage's private
# _event_log_storage with it. Why: a new connection, fsync and WAL checkpoint for every event
# (above). Versions: dagster 1.13.27, the pin; with any other (or without the private
# names) LocalStorage keeps Dagster's own SqliteEventLogStorage.
POOLED_EVENT_LOG = Patch(
    "Dagster's SQLite event log to keep its connections",
    written_for=("dagster==1.13.27",),
    needs=(
        "dagster._core.storage.event_log.sqlite.sqlite_event_log:INDEX_SHARD_NAME",
        "dagster._core.storage.sql:create_engine",
        "dagster._core.storage.sqlite:SQLITE_BUSY_TIMEOUT_SECONDS",
        "dagster._core.storage.sqlite_storage:_event_logs_directory",
        "dagster._core.storage.event_log:SqliteEventLogStorage._connect",
        "dagster._core.storage.event_log:SqliteEventLogStorage._initdb",
        "dagster._core.storage.event_log:SqliteEventLogStorage.conn_string_for_shard",
    ),
)

# A webserver reads many runs (one database file each): open files stay bounded.
KEPT_ENGINES = 8


def _commit_without_fsync(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class LocalEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage whose engines (one per run's file and the index) are reused."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()  # used by super().__init__
        self._engines_pid = os.getpid()
        super().__init__(base_dir, inst_data=inst_data)
        # Re-entrant: Dagster asks has_table while it holds an index connection (and the fix of
        # its own Lock, dagster-io/dagster#34146, is the same).
        self._db_lock = threading.RLock()

    def _engine(self, shard: str) -> Engine:
        if self._engines_pid != os.getpid():  # a forked child must not share the parent's files
            self._engines = OrderedDict()
            self._engines_pid = os.getpid()
        engine = self._engines.get(shard)
        if engine is None:
            from dagster._core.storage.sql import create_engine
            from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS

            engine = create_engine(
                self.conn_string_for_shard(shard),
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            event.listen(engine, "connect", _commit_without_fsync)
            self._engines[shard] = engine
            if len(self._engines) > KEPT_ENGINES:
                self._engines.popitem(last=False)[1].dispose()
        self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:  # asked for every asset check's event
        from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME

        with self._db_lock:
            engine = self._engine(INDEX_SHARD_NAME)
        with engine.connect() as conn:
            return bool(engine.dialect.has_table(conn, table_name))

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()


class LocalStorage(DagsterSqliteStorage):
    """Dagster's default local storage (runs, event logs, schedules under DAGSTER_HOME), with
    the event log above where POOLED_EVENT_LOG applies; the files and their layout are Dagster's
    own. `installed`: versions to judge the patch by instead of the installed ones (tests)."""

    def __init__(self, base_dir: str, inst_data=None, installed: Mapping[str, str] | None = None):
        super().__init__(base_dir, inst_data=inst_data)
        if POOLED_EVENT_LOG.applies(installed):
            from dagster._core.storage.sqlite_storage import _event_logs_directory

            self._event_log_storage = LocalEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> "LocalStorage":
        # Dagster's own from_config_value builds a DagsterSqliteStorage whatever the class.
        return cls.from_local(inst_data=inst_data, **config_value)

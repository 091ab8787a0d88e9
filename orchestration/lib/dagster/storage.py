"""Dagster's local SQLite storage, with the event log's database connections kept open.

Dagster's own SqliteEventLogStorage builds a new SQLAlchemy engine and SQLite connection for
every event it stores, commits it with an fsync and closes the connection, which checkpoints the
write-ahead log: 10-15 ms an event, and a run that brings a new month of data stores about 700
(docs/benchmarks.md). This keeps the engines of the last few database files for the life of the
process, with their connections pooled, and commits with `synchronous=NORMAL`, SQLite's setting
for write-ahead logging: a power cut can lose the last events, never corrupt the file.

Only the local instance (dagster.yaml) uses it; production keeps Dagster's PostgreSQL storage
(deploy/dagster.prod.yaml).
"""

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

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
    the event log above; the files and their layout are Dagster's own."""

    def __init__(self, base_dir: str, inst_data=None):
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = LocalEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> "LocalStorage":
        # Dagster's own from_config_value builds a DagsterSqliteStorage whatever the class.
        return cls.from_local(inst_data=inst_data, **config_value)

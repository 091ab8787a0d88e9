"""The batches an incremental suite checks instead of the whole table (scope.py decides when)."""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Batches:
    """Some loaded batches of a raw table. `since` is their earliest load time: a batch's rows
    carry its transaction's time in _loaded_at, so the bound lets PostgreSQL read only the
    table's newest pages (its BRIN index)."""

    ids: tuple[str, ...]
    since: dt.datetime | None

    def describe(self) -> str:
        count = len(self.ids)
        return f"{count} new batch{'es' if count != 1 else ''}"

    def sql_array(self) -> str:
        """The ids as a PostgreSQL uuid[] literal (no braces: GX formats row queries)."""
        return "array[" + ", ".join(f"'{batch_id}'" for batch_id in self.ids) + "]::uuid[]"

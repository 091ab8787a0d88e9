"""Read a YAML register and remember where each value is written, so a problem found later (by
its model in orchestration/lib/registers/) can name the file, line and column.

    document = yamlfiles.read(path)        # raises RegisterError if it is not valid YAML
    document.data                          # the plain dicts, lists, strings, dates...
    document.position(("measures", 3, "unit"))   # (line, column), 1-based

A position is the key's own (`unit:`), or the list item's first character; a path that goes
further than the file (a missing field, a tag of a pydantic union) ends at the nearest enclosing
value that is there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from orchestration.lib.registers.problems import Problem, RegisterError


# The C loader where PyYAML was built with it: some registers are read by every run and every
# partner-return load. Both compose the same nodes, with the same marks.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A date that does not exist (2025-06-31) stays text, so its model reports it with its
    line ("must be a date") rather than the whole file failing to read."""


def _timestamp(loader, node):
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


@dataclass(frozen=True)
class Document:
    path: Path
    data: Any
    root: yaml.Node | None

    def position(self, loc: Sequence[str | int]) -> tuple[int | None, int | None]:
        """1-based (line, column) of the value at `loc` (keys and list indices), or of the
        nearest enclosing value that exists; steps that match nothing are skipped. None for
        data that did not come from a file."""
        node = self.root
        if node is None:
            return None, None
        mark = node.start_mark
        for step in loc:
            if isinstance(node, yaml.MappingNode):
                found = [(key, value) for key, value in node.value if key.value == str(step)]
                if found:
                    key, node = found[0]
                    mark = key.start_mark
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                if 0 <= step < len(node.value):
                    node = node.value[step]
                    mark = node.start_mark
        return mark.line + 1, mark.column + 1

    def problem(self, loc: Sequence[str | int], message: str, hint: str = "") -> Problem:
        line, column = self.position(loc)
        return Problem(self.path, line, column, message, hint)


def unread(path: Path, data: Any) -> Document:
    """Data already in memory (a test's, the officer app's), said to be from `path`."""
    return Document(Path(path), data, None)


def read(path: Path) -> Document:
    """The file's data (an empty file reads as an empty mapping) and its node tree."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as missing:
        raise RegisterError([Problem(path, None, None, "the file is missing")]) from missing
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None) or getattr(problem, "context_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        reason = getattr(problem, "problem", None) or str(problem)
        raise RegisterError(
            [Problem(path, line, column, f"not valid YAML ({reason})")]
        ) from problem
    finally:
        loader.dispose()
    return Document(path, {} if data is None else data, root)

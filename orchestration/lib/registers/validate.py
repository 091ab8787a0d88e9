"""Validate a register's YAML with its model and say each problem as its editor would want it:
file, line, column, which entry, which field, what is wrong and the nearest valid value.

pydantic reports where (a path of keys and indices) and what (an error type); this module
turns the path into a line through the YAML's nodes (yamlfiles.Document) and into words through
the data ("measure 'hou_x', field 'unit'"), and the error type into plain English.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, RootModel, ValidationError

from orchestration.lib.registers.base import GSS_CODE, IDENTIFIER, MEASURE_ID, References
from orchestration.lib.registers.problems import Problem, RegisterError, nearest, suggest
from orchestration.lib.yamlfiles import Document

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]

# How an entry of a list is named: the list's key -> a noun, and the keys that name the entry
# (else it is numbered: "annotation 3").
NOUNS = {
    "measures": ("measure", ("id",)),
    "agreements": ("agreement", ("id",)),
    "datasets": ("dataset", ("name",)),
    "contacts": ("contact", ("role",)),
    "trials": ("trial", ("trial_id",)),
    "annotations": ("annotation", ()),
    "lists": ("focus list", ()),
    "columns": ("column", ("name",)),
}
PATTERNS = {
    MEASURE_ID: "must be lower-case snake case, 3 to 81 characters",
    IDENTIFIER: "must be lower_snake_case (small letters, digits and _, starting with a letter)",
    GSS_CODE: "must be a council's ONS code, such as E07000234",
}
TYPE_WORDS = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "set_type": "must be a list",
    "frozen_set_type": "must be a list",
    "dict_type": "must be a mapping (key: value lines)",
    "model_type": "must be a mapping (key: value lines)",
    "model_attributes_type": "must be a mapping (key: value lines)",
    "none_required": "must be empty",
}
DATE_ERRORS = ("date_type", "date_parsing", "date_from_datetime_parsing",
               "date_from_datetime_inexact", "datetime_type", "datetime_parsing")  # fmt: skip


def check(
    document: Document,
    model: type[M],
    data: Any = None,
    context: References | None = None,
    prefix: Loc = (),
    position: Callable[[Loc], tuple[int | None, int | None]] | None = None,
) -> tuple[M | None, list[Problem]]:
    """The validated model, or None and every problem found. `data` defaults to the file's;
    `prefix` is where `data` sits in the file (one entry validated on its own), `position`
    where a path of it is written when that is not simply there (defaults applied)."""
    data = document.data if data is None else data
    try:
        return model.model_validate(data, context=context), []
    except ValidationError as error:
        errors = _without_misspelt(model, error.errors(include_url=False))
        problems = [_problem(document, model, item, prefix, position) for item in errors]
        return None, sorted(_unique(problems), key=lambda p: (p.line or 0, p.column or 0))


def load(document: Document, model: type[M], context: References | None = None) -> M:
    """The validated model; RegisterError naming every problem otherwise."""
    result, problems = check(document, model, context=context)
    if problems:
        raise RegisterError(problems)
    return result


def _without_misspelt(model, errors: list[dict]) -> list[dict]:
    """A misspelt key is one problem, not two: the required field it was meant to be is not
    reported missing as well (the misspelling's "did you mean" names it)."""
    meant = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            parent, key = tuple(error["loc"][:-1]), str(error["loc"][-1])
            meant.update((parent, name) for name in nearest(key, field_names(model, parent))[:1])
    return [
        error
        for error in errors
        if not (
            error["type"] == "missing" and (tuple(error["loc"][:-1]), error["loc"][-1]) in meant
        )
    ]


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for problem in problems:
        key = (problem.line, problem.column, problem.message)
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return out


def _problem(document, model, error: dict, prefix: Loc, position) -> Problem:
    loc: Loc = tuple(error["loc"])
    context = error.get("ctx") or {}
    kind = error["type"]
    if kind == "register" and context.get("field"):
        loc = (*loc, *(int(s) if s.isdigit() else s for s in context["field"].split(".")))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        loc = (*loc, context["discriminator"].strip("'"))
    message, hint = _words(kind, error, context, model, loc)
    written = (*prefix, *without_tags(model, loc))
    label = describe(document.data, written, None if prefix else model)
    line, column = (position or document.position)(written)
    return Problem(document.path, line, column, f"{label}: {message}" if label else message, hint)


def _words(kind: str, error: dict, context: dict, model, loc: Loc) -> tuple[str, str]:
    value = error.get("input")
    if kind == "register":
        return error["msg"], context.get("hint", "")
    if value is None and kind not in ("extra_forbidden", "missing"):
        # `field:` with nothing after it
        choices = re.findall(r"'((?:[^'\\]|\\.)*)'", context.get("expected", ""))
        return "is required" + (f" (one of {', '.join(choices)})" if choices else ""), ""
    if kind == "extra_forbidden":
        allowed = field_names(model, loc[:-1])
        hint = suggest(loc[-1], allowed)
        if not hint and allowed:
            hint = f"the fields it may have: {', '.join(sorted(allowed))}"
        return "is not a field it may have", hint
    if kind in ("literal_error", "enum"):
        choices = re.findall(r"'((?:[^'\\]|\\.)*)'", context.get("expected", ""))
        return f"must be one of {', '.join(choices)}, not {value!r}", suggest(value, choices)
    if kind == "union_tag_invalid":
        choices = re.findall(r"'([^']*)'", context.get("expected_tags", ""))
        tag = context.get("tag")
        return f"must be one of {', '.join(choices)}, not {tag!r}", suggest(tag, choices)
    if kind == "union_tag_not_found":
        return "is required", ""
    if kind in DATE_ERRORS:
        return f"must be a date (YYYY-MM-DD), not {value!r}", ""
    if kind == "string_pattern_mismatch":
        pattern = context.get("pattern", "")
        words = PATTERNS.get(pattern, f"must match the pattern {pattern}")
        return f"{words}, not {value!r}", ""
    if kind in ("too_short", "too_long"):
        return ("must not be empty" if kind == "too_short" else "is too long"), ""
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(context.values()), "")
        words = {"greater_than_equal": "at least", "greater_than": "more than",
                 "less_than_equal": "at most", "less_than": "less than"}[kind]  # fmt: skip
        return f"must be {words} {bound}, not {value!r}", ""
    if kind == "missing":
        return "is required", _first_sentence(field_description(model, loc))
    if kind == "string_too_short":
        return "is required (it is empty)", _first_sentence(field_description(model, loc))
    if kind in TYPE_WORDS:
        return f"{TYPE_WORDS[kind]}, not {value!r}", ""
    return error["msg"], ""


def describe(data: Any, loc: Loc, model=None) -> str:
    """ "measure 'hou_x', field 'target.basis'": the entry by its id, then the field."""
    parts: list[str] = []
    field: list[str] = []
    node = data
    keyed_by = getattr(model, "keyed_by", None)
    for position, step in enumerate(loc):
        if position == 0 and keyed_by and isinstance(node, dict) and step in node:
            parts.append(f"{keyed_by} {step!r}")
            node = node[step]
            continue
        if isinstance(step, int) and isinstance(node, list):
            item = node[step] if 0 <= step < len(node) else None
            if not isinstance(item, dict):
                # an item of a list of values (primary_key, measure_ids): the value says which
                node = item
                continue
            noun, keys = NOUNS.get(field[-1] if field else "", ("entry", ()))
            name = _name_of(item, keys)
            prefix = ".".join(field[:-1])
            if prefix:
                parts.append(f"field {prefix!r}")
            parts.append(f"{noun} {name!r}" if name else f"{noun} {step + 1}")
            field, node = [], item
        else:
            # a field of the entry; one it does not have is missing or from the file's defaults
            field.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    if field:
        parts.append(f"field {'.'.join(field)!r}")
    return ", ".join(parts)


def without_tags(model: Any, loc: Loc) -> Loc:
    """The path as written in the file: pydantic puts the tag of a union of models (a
    calculation's `family`, a dataset's `kind`) into it, which is no key of the file."""
    out: list[str | int] = []
    candidates = [model]
    for step in loc:
        members = [member for ann in candidates for member in _members(ann)]
        tagged = [m for m in members if isinstance(step, str) and _has_tag(m, step)]
        if len(members) > 1 and tagged:
            candidates = tagged
            continue
        out.append(step)
        candidates = [found for ann in candidates for found in _step(ann, step)] or candidates
    return tuple(out)


def _name_of(item: dict, keys: Sequence[str]) -> str | None:
    for key in keys:
        if isinstance(item.get(key), str | int) and not isinstance(item.get(key), bool):
            return str(item[key])
    return None


def _first_sentence(text: str | None) -> str:
    if not text:
        return ""
    sentence = " ".join(text.split()).split(". ")[0].rstrip(".")
    return f"{sentence[:1].lower()}{sentence[1:]}" if sentence else ""


def field_description(annotation: Any, loc: Sequence[str | int]) -> str | None:
    """The docstring of the field at `loc` (its description in the JSON Schema)."""
    if not loc:
        return None
    candidates = [annotation]
    for step in loc[:-1]:
        candidates = [found for ann in candidates for found in _step(ann, step)] or candidates
    for ann in candidates:
        for member in _members(ann):
            if isinstance(member, type) and issubclass(member, BaseModel):
                for name, info in member.model_fields.items():
                    if loc[-1] in (name, info.alias) and info.description:
                        return info.description
    return None


def field_names(annotation: Any, loc: Sequence[str | int]) -> set[str]:
    """The keys a mapping at `loc` may have, from the model's annotations (aliases first)."""
    candidates = [annotation]
    for step in loc:
        following = [found for ann in candidates for found in _step(ann, step)]
        candidates = following or candidates  # a union's tag: stay on the union
    names: set[str] = set()
    for ann in candidates:
        for member in _members(ann):
            if isinstance(member, type) and issubclass(member, BaseModel):
                names |= {info.alias or name for name, info in member.model_fields.items()}
    return names


def _members(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    if isinstance(annotation, type) and issubclass(annotation, RootModel):
        return _members(annotation.model_fields["root"].annotation)
    return [annotation]


def _step(annotation: Any, step: str | int) -> list[Any]:
    found = []
    members = _members(annotation)
    tagged = [m for m in members if isinstance(step, str) and _has_tag(m, step)]
    for member in tagged or members:
        origin = typing.get_origin(member)
        args = typing.get_args(member)
        if tagged:
            found.append(member)
        elif isinstance(member, type) and issubclass(member, BaseModel):
            for name, info in member.model_fields.items():
                if step in (name, info.alias):
                    found.append(info.annotation)
        elif origin in (list, tuple, set, frozenset, typing.Sequence) and isinstance(step, int):
            found.append(args[0])
        elif origin is dict and isinstance(step, str):
            found.append(args[1])
    return found


def _has_tag(member: Any, step: str) -> bool:
    """Whether `step` is the tag of this model in a union: its one-value Literal field."""
    if not (isinstance(member, type) and issubclass(member, BaseModel)):
        return False
    return any(
        typing.get_origin(info.annotation) is typing.Literal
        and typing.get_args(info.annotation) == (step,)
        for info in member.model_fields.values()
    )

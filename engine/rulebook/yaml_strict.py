"""Strict YAML loading with a position for every node (ruamel.yaml's composer, our own scalar typing).

Why not a stock loader: YAML 1.1 loaders turn `no`/`off` into booleans, `0755` into a number and an
unquoted date into a date object (or a bare ValueError for 2024-02-30). Rule values are item codes,
countries and reason codes, so a plain scalar is typed only when unambiguous, and anything a human
could misread is refused at its line and column with a hint to quote it. Numbers with a fraction
become Decimal, never float.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .problems import Location, Problem

Path_ = tuple  # a path into the loaded data: keys and indexes

_NULL = re.compile(r"^(~|null|Null|NULL)?$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_YAML11_BOOL = re.compile(r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_OCTAL_LIKE = re.compile(r"^[-+]?(0[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[0-9][0-9_]*_[0-9_]*)$")
_DECIMAL = re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = re.compile(r"^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$")
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([Tt ].*)?$")


class LoadedYaml:
    """Plain data (dict/list/str/int/Decimal/bool/None) plus the location of every path in it."""

    def __init__(self, file: str, data: Any, positions: dict[Path_, Location], problems: list[Problem]):
        self.file, self.data, self.positions, self.problems = file, data, positions, problems

    def where(self, path: Path_) -> Location:
        """The location of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, Location(self.file, 1, 1))


def load_text(text: str, file: str) -> LoadedYaml:
    problems: list[Problem] = []
    positions: dict[Path_, Location] = {}
    try:
        root = YAML(typ="rt").compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        return LoadedYaml(file, None, positions, [Problem("yaml_syntax", f"{exc.problem or exc}", loc,
                                                          hint="check indentation, colons and quotes here")])
    data = _build(root, (), file, positions, problems) if root is not None else None
    return LoadedYaml(file, data, positions, problems)


def load_file(path: Path | str, display: str | None = None) -> LoadedYaml:
    path = Path(path)
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return LoadedYaml(name, None, {}, [Problem("file_unreadable", f"cannot read file: {exc}",
                                                   Location(name, 1, 1))])
    return load_text(text, name)


def _loc(node, file: str) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _build(node, path: Path_, file: str, positions: dict, problems: list, active: frozenset = frozenset()) -> Any:
    positions[path] = _loc(node, file)
    if id(node) in active:  # an alias inside its own anchor: the data would be infinite
        problems.append(Problem("yaml_recursive_alias", "this alias refers to a node that contains it",
                                _loc(node, file), hint="remove the alias or the anchor"))
        return None
    if isinstance(node, (MappingNode, SequenceNode)):
        active = active | {id(node)}
    if isinstance(node, MappingNode):
        return _build_mapping(node, path, file, positions, problems, active)
    if isinstance(node, SequenceNode):
        return [_build(child, path + (i,), file, positions, problems, active) for i, child in enumerate(node.value)]
    return _scalar(node, file, problems)


def _build_mapping(node: MappingNode, path: Path_, file: str, positions: dict, problems: list,
                   active: frozenset) -> dict:
    out: dict = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            problems.append(Problem("yaml_complex_key", "mapping keys must be plain names", _loc(key_node, file)))
            continue
        key = key_node.value
        if key == "<<":
            problems.append(Problem("yaml_merge_key", "merge keys (<<) are not allowed in rule files",
                                    _loc(key_node, file), hint="write the keys out"))
            continue
        if key in out:
            first = positions.get(path + (key,))
            problems.append(Problem("yaml_duplicate_key", f"duplicate key '{key}'" +
                                    (f" (first at line {first.line})" if first else ""),
                                    _loc(key_node, file), hint="remove or rename one of them"))
            continue
        out[key] = _build(value_node, path + (key,), file, positions, problems, active)
        positions[path + (key,)] = _loc(key_node, file)
    return out


def _scalar(node: ScalarNode, file: str, problems: list) -> Any:
    text = node.value
    if node.tag and not node.tag.startswith("tag:yaml.org,2002:"):
        problems.append(Problem("yaml_tag_not_allowed", f"tag {node.tag} is not allowed", _loc(node, file),
                                hint="remove the tag; quote the value if it is text"))
        return text
    if node.style:  # quoted or block scalars are always strings
        return text
    return _typed_plain(text, _loc(node, file), problems)


def _typed_plain(text: str, loc: Location, problems: list) -> Any:
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _YAML11_BOOL.match(text):
        problems.append(Problem("yaml_ambiguous_value", f"'{text}' is a boolean in YAML 1.1 and a string in 1.2",
                                loc, hint=f"quote it (\"{text}\") for a string, or write true/false"))
        return text
    if _INT.match(text):
        return int(text)
    if _OCTAL_LIKE.match(text):
        problems.append(Problem("yaml_ambiguous_value", f"'{text}' could be read as an octal, hex or grouped number",
                                loc, hint=f"quote it (\"{text}\") if it is a code, or write the plain number"))
        return text
    if _DECIMAL.match(text):
        return Decimal(text)
    if _SPECIAL_FLOAT.match(text):
        problems.append(Problem("yaml_ambiguous_value", f"'{text}' is not a usable number", loc,
                                hint="quote it if it is a code"))
        return text
    if _DATE.match(text):
        _check_date(text, loc, problems)
    return text


def _check_date(text: str, loc: Location, problems: list) -> None:
    """Unquoted dates stay strings, but an impossible one is an error here, not a ValueError later."""
    try:
        if len(text) > 10:
            dt.datetime.fromisoformat(text.replace("t", "T"))
        else:
            dt.date.fromisoformat(text)
    except ValueError as exc:
        problems.append(Problem("yaml_invalid_date", f"'{text}' is not a valid date ({exc})", loc,
                                hint="fix the date, or quote it if it is not meant as a date"))

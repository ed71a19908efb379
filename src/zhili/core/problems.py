"""One collector for the problems of a file or a definition: every check adds what it finds,
with the line and the field, and nothing is written until the collector is empty.

`raise_if_any` turns them into one `ZhiliError` whose message names the first problem and whose
`details` list them all (at most `MAX_PROBLEMS`), each as ``{"file", "line", "path", "field",
"reason", ...}`` — `path` only where the caller names a node, `line` where it is known.

Lines come from a YAML line map (`yaml_lines`): the line of every key and list item, addressed by
the tuple of keys and indexes that leads to it (``(2, "fields", 0, "type")``). A problem added
``at=`` such a tuple gets the most precise line known: the value itself, else the mapping or list
that holds it, else further up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import yaml
from django.utils.translation import gettext as _

from zhili.core.errors import ZhiliError

MAX_PROBLEMS = 50

# (entry, key, …) → the line (from 1) where that key or list item is written
Lines = dict[tuple, int]


class Problems:
    """The problems found in one file (or text named like one).

    `lines` is a YAML line map for ``at=``; with `keep_line` every item carries ``"line"``, None
    where it is not known (the divisions import), otherwise only a known line is given."""

    def __init__(self, filename: str, *, lines: Lines | None = None, keep_line: bool = False):
        self.filename = filename
        self.lines: Lines = lines or {}
        self.keep_line = keep_line
        self.items: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def line_of(self, at: tuple) -> int | None:
        """The line of `at`, else of the nearest thing that holds it; None if none is known."""
        return next((self.lines[at[:n]] for n in range(len(at), 0, -1) if at[:n] in self.lines), None)

    def add(
        self,
        reason: str,
        *,
        field: str,
        line: int | None = None,
        at: tuple = (),
        path: str | None = None,
        **extra: Any,
    ) -> None:
        """Note one problem: `reason` for the user, `field` the offending key or column, `line`
        where given (else looked up from `at`), `path` the node it belongs to, `extra` more keys
        for the details (e.g. a GeoJSON feature's number)."""
        if line is None and at:
            line = self.line_of(at)
        item: dict[str, Any] = {"file": self.filename}
        if line is not None or self.keep_line:
            item["line"] = line
        if path is not None:
            item["path"] = path
        item.update(field=field, reason=reason, **extra)
        self.items.append(item)

    def message(self) -> str:
        """The first problem in a sentence, and how many more there are."""
        first = self.items[0]
        where = self.filename + (f":{first['line']}" if first.get("line") is not None else "")
        if "path" in first:
            message = _("%(where)s: %(path)s, “%(field)s”: %(reason)s") % {
                "where": where,
                "path": first["path"],
                "field": first["field"],
                "reason": first["reason"],
            }
        else:
            message = _("%(where)s: field “%(field)s”: %(reason)s") % {
                "where": where,
                "field": first["field"],
                "reason": first["reason"],
            }
        if len(self.items) > 1:
            message += " " + _("(and %(n)d more errors)") % {"n": len(self.items) - 1}
        return message

    def raise_if_any(self, error_class: type[ZhiliError] = ZhiliError) -> None:
        """Raise `error_class` with the message and the details, if anything was added."""
        if self.items:
            raise error_class(self.message(), details=self.items[:MAX_PROBLEMS])


class Duplicate(NamedTuple):
    """A key given twice in one mapping (YAML itself would silently keep the last)."""

    at: tuple  # the mapping's place
    key: str
    line: int  # where the second one is written
    label: str  # the mapping's name, from `yaml_lines`' `label`


class AliasMarkingLoader(yaml.SafeLoader):
    """Composes each alias as a copy of its node marked where the alias is written, so that a
    problem with an aliased node points at its use rather than at the anchor."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            node = super().compose_node(parent, index)
            return type(node)(node.tag, node.value, mark, mark)
        return super().compose_node(parent, index)


def key_value(node: yaml.MappingNode, key: str) -> str:
    """The text of a scalar `key` of a mapping node ("" if absent or not a scalar); the first one
    given where it is given twice."""
    return next(
        (v.value for k, v in node.value if k.value == key and isinstance(v, yaml.ScalarNode)),
        "",
    )


def yaml_lines(
    root: yaml.Node | None,
    *,
    label: Callable[[yaml.MappingNode, tuple, str], str] | None = None,
    depth: int | None = None,
) -> tuple[Lines, list[Duplicate]]:
    """The line of every key and list item under `root` (a `yaml.compose` result), and the keys
    given twice, in the order they are written.

    `label(node, at, outer)` names each mapping from the name of what holds it (`outer`, "" at the
    top); the duplicates carry it. `depth` stops the walk that many keys and indexes down. An alias
    of a node that holds it is not followed (the data would be endless)."""
    lines: Lines = {}
    duplicates: list[Duplicate] = []

    def walk(node: yaml.Node, at: tuple, name: str, stack: frozenset) -> None:
        if id(node) in stack or (depth is not None and len(at) >= depth):
            return
        stack = stack | {id(node)}
        if isinstance(node, yaml.MappingNode):
            if label is not None:
                name = label(node, at, name)
            seen = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    duplicates.append(Duplicate(at, key, key_node.start_mark.line + 1, name))
                seen.add(key)
                lines[(*at, key)] = key_node.start_mark.line + 1
                walk(value_node, (*at, key), name, stack)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[(*at, i)] = item.start_mark.line + 1
                walk(item, (*at, i), name, stack)

    if root is not None:
        walk(root, (), "", frozenset())
    return lines, duplicates

"""Definitions from YAML files, with the line of every key and list item for the errors, and the
shipped ones in `DATA_DIR`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

from .checks import _choices, _Errors
from .model import Definition, DefinitionError, Lines
from .parse import parse

DATA_DIR = Path(__file__).parent.parent / "data"
SHIPPED = ("pingan_plus", "huizhou_style", "star_rating")


class _LineLoader(yaml.SafeLoader):
    """Composes each alias as a copy of its node marked where the alias is written, so that an
    error about an aliased node points at its use rather than at the anchor."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            node = super().compose_node(parent, index)
            return type(node)(node.tag, node.value, mark, mark)
        return super().compose_node(parent, index)


def _line_map(root: yaml.Node | None, errors: _Errors) -> Lines:
    """Lines of every key and list item; a key given twice is an error (YAML would keep the last)."""
    lines: Lines = {}

    def walk(node: yaml.Node, where: tuple, path: str, stack: frozenset) -> None:
        if id(node) in stack:  # an alias of an enclosing node; `parse` refuses the cycle
            return
        stack = stack | {id(node)}
        if isinstance(node, yaml.MappingNode):
            if not where or (len(where) >= 2 and where[-2] == "children"):
                code = next(
                    (v.value for k, v in node.value if k.value == "code" and isinstance(v, yaml.ScalarNode)),
                    "",
                )
                path = f"{path}/{code}" if where else code
            seen = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    errors.add((), path, key, _("key given twice"), line=key_node.start_mark.line + 1)
                seen.add(key)
                lines[(*where, key)] = key_node.start_mark.line + 1
                walk(value_node, (*where, key), path, stack)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[(*where, i)] = item.start_mark.line + 1
                walk(item, (*where, i), path, stack)

    if root is not None:
        walk(root, (), "", frozenset())
    return lines


def load_file(
    path: Path | str, *, event_types: Iterable[str] | Mapping[str, list] | None = None
) -> Definition:
    """Read, validate and build a definition from a YAML file."""
    path = Path(path)
    errors = _Errors(path.name, None)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        errors.add((), "-", "-", _("the file is not UTF-8; save it as UTF-8"))
        errors.raise_if_any()
        raise  # unreachable
    return load_text(text, filename=path.name, event_types=event_types)


def load_text(
    text: str, *, filename: str, event_types: Iterable[str] | Mapping[str, list] | None = None
) -> Definition:
    """Validate and build a definition from YAML text (a stored version, an upload)."""
    errors = _Errors(filename, None)
    try:
        root = yaml.compose(text, Loader=_LineLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        errors.add((), "-", "-", _("not valid YAML: %(problem)s") % {"problem": problem}, line=line)
        errors.raise_if_any()
        raise  # unreachable
    lines = _line_map(root, errors)
    errors.raise_if_any()
    if not isinstance(data, dict):
        errors.add((), "-", "-", _("a definition is a mapping of keys to values"))
        errors.raise_if_any()
    return parse(data, filename=filename, lines=lines, event_types=event_types)


def load_shipped(code: str, *, event_types: Iterable[str] | Mapping[str, list] | None = None) -> Definition:
    """One of the definitions shipped with Zhili (`SHIPPED`)."""
    if code not in SHIPPED:
        raise DefinitionError(
            _("no shipped definition “%(code)s”; there are %(codes)s")
            % {"code": code, "codes": _choices(SHIPPED)},
            details=[{"file": "-", "path": str(code), "field": "code", "reason": _("not shipped")}],
        )
    return load_file(DATA_DIR / f"{code}.yaml", event_types=event_types)

"""Definitions from YAML files, with the line of every key and list item for the errors, and the
shipped ones in `DATA_DIR`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

from zhili.core.problems import AliasMarkingLoader, Problems, key_value, yaml_lines

from .checks import _choices
from .model import Definition, DefinitionError, Lines
from .parse import parse

DATA_DIR = Path(__file__).parent.parent / "data"
SHIPPED = ("pingan_plus", "huizhou_style", "star_rating")


def _label(node: yaml.MappingNode, at: tuple, outer: str) -> str:
    """A node's path: the codes from the root down, joined by "/" (other mappings keep the path of
    the node that holds them)."""
    if not at or (len(at) >= 2 and at[-2] == "children"):
        code = key_value(node, "code")
        return f"{outer}/{code}" if at else code
    return outer


def _line_map(root: yaml.Node | None, errors: Problems) -> Lines:
    """Lines of every key and list item; a key given twice is an error (YAML would keep the last)."""
    lines, duplicates = yaml_lines(root, label=_label)
    for d in duplicates:
        errors.add(_("key given twice"), path=d.label, field=d.key, line=d.line)
    return lines


def load_file(
    path: Path | str, *, event_types: Iterable[str] | Mapping[str, list] | None = None
) -> Definition:
    """Read, validate and build a definition from a YAML file."""
    path = Path(path)
    errors = Problems(path.name)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        errors.add(_("the file is not UTF-8; save it as UTF-8"), path="-", field="-")
        errors.raise_if_any(DefinitionError)
        raise  # unreachable
    return load_text(text, filename=path.name, event_types=event_types)


def load_text(
    text: str, *, filename: str, event_types: Iterable[str] | Mapping[str, list] | None = None
) -> Definition:
    """Validate and build a definition from YAML text (a stored version, an upload)."""
    errors = Problems(filename)
    try:
        root = yaml.compose(text, Loader=AliasMarkingLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        errors.add(_("not valid YAML: %(problem)s") % {"problem": problem}, path="-", field="-", line=line)
        errors.raise_if_any(DefinitionError)
        raise  # unreachable
    lines = _line_map(root, errors)
    errors.raise_if_any(DefinitionError)
    if not isinstance(data, dict):
        errors.add(_("a definition is a mapping of keys to values"), path="-", field="-")
        errors.raise_if_any(DefinitionError)
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

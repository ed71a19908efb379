"""Writing the audit log. Services call `record` explicitly, background jobs too."""

from __future__ import annotations

from typing import Any

from zhili.core.context import current_request_info
from zhili.core.models import AuditAction, AuditLog


def record(
    *,
    actor,
    action: AuditAction | str,
    obj: Any = None,
    unit_code: str = "",
    object_repr: str = "",
    details: dict | None = None,
    actor_username: str = "",
) -> AuditLog:
    info = current_request_info()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    if obj is not None:
        object_type = f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        unit_code = unit_code or _unit_code_of(obj)
    else:
        object_type = object_id = ""
    return AuditLog.objects.create(
        actor=actor if authenticated else None,
        actor_username=(actor.get_username() if authenticated else actor_username)[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        unit_code=unit_code,
        ip=info.ip if info else None,
        user_agent=info.user_agent if info else "",
        request_id=info.request_id if info else "",
        details=details or {},
    )


def _unit_code_of(obj: Any) -> str:
    """The unit an object belongs to, so that audit reads are scoped like the object."""
    path = getattr(type(obj), "scope_path", "")
    value: Any = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return value if isinstance(value, str) else ""

"""One error shape for every API failure: {"code", "message", "details": [...]}."""

from __future__ import annotations

from typing import Any


class ZhiliError(Exception):
    """A refusal the user can act on; `details` point at the file, line and field."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        code: str | None = None,
        status: int | None = None,
    ):
        super().__init__(message)
        self.message = str(message)
        self.details = details or []
        if code:
            self.code = code
        if status:
            self.status = status

    def as_body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


class NotFound(ZhiliError):
    status = 404
    code = "not_found"


class Forbidden(ZhiliError):
    status = 403
    code = "forbidden"


class Conflict(ZhiliError):
    status = 409
    code = "conflict"


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "details": details or []}

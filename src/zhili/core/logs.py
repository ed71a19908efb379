"""Logging pieces named in settings.LOGGING."""

from __future__ import annotations

import logging


class OneLineClientErrors(logging.Filter):
    """A 4xx is the caller's mistake, not ours: one line each, without the traceback Django
    attaches to a PermissionDenied or a refused upload, so that real failures stand out."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.msg = " ".join(record.getMessage().split("\n"))
            record.args = ()
            record.exc_info = record.exc_text = record.stack_info = None
        return True

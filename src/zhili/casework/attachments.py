"""Files on a case: a known type whose content matches its name, a size limit, a count limit."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from zhili.core.errors import ZhiliError

MAX_SIZE = 10 * 1024 * 1024
MAX_PER_CASE = 50
# What may be attached, and how each file type begins (a renamed file is refused).
TYPES = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
}


def check(upload, *, already: int = 0) -> tuple[str, str, bytes]:
    """(name, content type, bytes) of an acceptable upload, else a 413/415/422 naming the file."""
    name = PurePath(upload.name or "").name
    kind = TYPES.get(PurePath(name).suffix.lower())
    if kind is None:
        raise ZhiliError(_("file: %(name)s is not accepted; send %(types)s") % {"name": name, "types": ", ".join(TYPES)},
                         code="unsupported_type", status=415, details=[{"field": "file"}])  # fmt: skip
    if upload.size > MAX_SIZE:
        raise ZhiliError(_("file: %(name)s is larger than 10 MB") % {"name": name}, code="too_large", status=413,
                         details=[{"field": "file"}])  # fmt: skip
    if already >= MAX_PER_CASE:
        raise ZhiliError(_("file: a case holds at most %(n)d files") % {"n": MAX_PER_CASE}, code="too_many",
                         status=422, details=[{"field": "file"}])  # fmt: skip
    data = upload.read()
    if not data.startswith(kind[1]):
        raise ZhiliError(_("file: the content of %(name)s is not what its name says") % {"name": name},
                         code="unsupported_type", status=415, details=[{"field": "file"}])  # fmt: skip
    return name, kind[0], data


def attach(case, upload, *, by: str):
    """Store a checked file on `case` (its `attachments`), unsaved-case-safe: the caller's
    transaction holds it."""
    name, content_type, data = check(upload, already=case.attachments.count())
    item = case.attachments.model(
        case=case, name=name, content_type=content_type, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), uploaded_by=by,
    )  # fmt: skip
    item.file.save(name, ContentFile(data), save=False)
    item.save()
    return item

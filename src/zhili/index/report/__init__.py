"""The monthly report of the Ping'an+ index (`zhili index report --month 2026-10 --format pdf`):
a Chinese bulletin like the city's, from the latest published runs covering the month.

    content.py        gathers the figures from the published Outcome rows into a `Report`
    prose.py          writes the bulletin's sentences and tables
    charts.py         the charts, PNG by matplotlib with a Noto CJK font
    pdf.py            HTML template → PDF by WeasyPrint, fonts embedded
    word.py           DOCX by docxtpl from data/monthly.docx (make_template.py builds it)
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from zhili.core.errors import ZhiliError
from zhili.index.models import Run
from zhili.index.report.content import INDEX_CODE, STARS_CODE

FORMATS = ("pdf", "docx")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def default_path(month_key: str, fmt: str) -> Path:
    return Path(settings.DATA_DIR) / "reports" / f"pingan-{month_key}.{fmt}"


def write_report(
    *, month: str, fmt: str, output: Path | None = None, actor_username: str = "", language: str = "zh-hans"
) -> Path:
    """Write the report for `month` (2026-10) as `fmt` (pdf | docx) to `output` (a file, or a
    folder to put pingan-2026-10.pdf in; default <DATA_DIR>/reports/) and return its path."""
    from zhili.core.audit import record
    from zhili.core.models import AuditAction
    from zhili.index.report import charts, pdf, prose, word
    from zhili.index.report.content import gather

    if fmt not in FORMATS:
        raise ZhiliError(
            f"报告格式须为 {' 或 '.join(FORMATS)}，不是“{fmt}”", details=[{"field": "format", "value": fmt}]
        )
    if not language.lower().startswith("zh"):
        raise ZhiliError(
            "月度报告只有中文版 (the monthly report is written in Chinese only)",
            details=[{"field": "language", "value": language}],
        )
    report = gather(month)
    now = timezone.localtime()
    context = {
        "s": report.sentences,
        "rows": prose.rows(report),
        "generated": f"{now.year}年{now.month}月{now.day}日 {now:%H:%M}",
    }
    pictures = charts.render(report)
    data = (pdf if fmt == "pdf" else word).render(context, pictures)
    name = default_path(f"{report.month.start:%Y-%m}", fmt).name
    if output is None:
        path = default_path(f"{report.month.start:%Y-%m}", fmt)
    else:
        output = Path(output)
        path = output / name if output.is_dir() else output
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)
    record(
        actor=None,
        actor_username=actor_username,
        action=AuditAction.CREATE,
        object_repr=f"{report.sentences['title']}（{report.label}）",
        details={"report": "monthly", "month": f"{report.month.start:%Y-%m}", "format": fmt,
                 "file": str(path), "runs": report.run_ids, "bytes": len(data)},
    )  # fmt: skip
    return path


def current_report(*, period, fmt: str, actor_username: str = "") -> Path:
    """The city's report of the month `period` as a file: the one written before, unless a run it
    quotes was published after it (then written again). The reports page and the API serve this
    same file, so that everyone who downloads the month's report gets the same publication."""
    key = f"{period.start:%Y-%m}"
    path = default_path(key, fmt)
    published = Run.objects.filter(
        definition__code=INDEX_CODE, period_kind="month", published_at__isnull=False,
        first__lte=period.start, last__gte=period.start,
    ).exists()  # fmt: skip
    try:
        if not published or _stale(path, period):
            # Without a published run this raises ReportNotReady, whose message says what to run.
            newest = _newest(period)
            path = write_report(month=key, fmt=fmt, output=None, actor_username=actor_username)
            _stamp(path).write_text(newest, encoding="utf-8")
    except FileNotFoundError:
        # Two requests wrote it at once (the preview and a download): the other one's file stands.
        if not path.exists():
            raise
    return path


def _newest(period) -> str:
    """The latest publication among the runs the report quotes (this month's and last month's
    index, the days, the stars), as text."""
    newest = (
        Run.objects.filter(
            definition__code__in=[INDEX_CODE, STARS_CODE],
            published_at__isnull=False,
            first__lte=period.end,
            last__gte=period.previous().start,
        )
        .order_by("-published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return newest.isoformat() if newest else ""


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".published")


def _stale(path: Path, period) -> bool:
    """No file yet, or a run the report quotes was published after it was written. The file
    keeps the publication it was written from beside it: the database's clock, not the file
    system's, decides (they differ across machines, and under a test's frozen clock)."""
    if not path.exists() or not _stamp(path).exists():
        return True
    return _stamp(path).read_text(encoding="utf-8") != _newest(period)

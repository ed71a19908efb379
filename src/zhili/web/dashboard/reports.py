"""Monthly reports: the months with a published monthly Ping'an+ run, each report previewed in
the page, and its PDF and DOCX, written by `write_report` on first request (and again when a run
it quotes was published after the file was written)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.clickjacking import xframe_options_sameorigin

from zhili.core.errors import ZhiliError
from zhili.core.scope import scoped
from zhili.index.models import Outcome, Run
from zhili.index.periods import PeriodError, parse_period, periods_between
from zhili.index.report import CONTENT_TYPES, FORMATS, current_report, default_path
from zhili.index.report.content import INDEX_CODE


def report_months() -> list[dict]:
    """Every month a published monthly run of the index holds, newest first, with the revision
    that speaks for it and whether its files are written yet."""
    language = get_language() or "zh-hans"
    months: dict[date, dict] = {}
    runs = Run.objects.filter(
        definition__code=INDEX_CODE, period_kind="month", published_at__isnull=False
    ).values_list("pk", "first", "last", "revision", "published_at")
    for pk, first, last, revision, published_at in runs:
        for period in periods_between("month", first, last):
            known = months.get(period.start)
            if known is None or (published_at, pk) > (known["published_at"], known["run_id"]):
                months[period.start] = {
                    "start": period.start,
                    "key": f"{period.start:%Y-%m}",
                    "label": period.label(language),
                    "run_id": pk,
                    "revision": revision,
                    "published_at": published_at,
                }
    out = [months[k] for k in sorted(months, reverse=True)]
    for m in out:
        m["files"] = {fmt: default_path(m["key"], fmt).exists() for fmt in FORMATS}
    return out


@login_required
def reports(request):
    scoped(request.user, Outcome)  # 403 without index.view_outcome
    months = report_months()
    wanted = request.GET.get("month")
    selected = next((m for m in months if m["key"] == wanted), months[0] if months else None)
    return render(
        request, "web/dashboard/reports.html", {"months": months, "selected": selected, "formats": FORMATS}
    )


@login_required
@xframe_options_sameorigin  # the list page embeds the PDF
def report_file(request, month: str, fmt: str):
    scoped(request.user, Outcome)
    if fmt not in FORMATS:
        raise Http404
    try:
        period = parse_period("month", month)
    except PeriodError:
        raise Http404 from None
    try:
        path = current_report(period=period, fmt=fmt, actor_username=request.user.get_username())
    except ZhiliError as exc:
        context = {"message": exc.message, "month": period.label(get_language() or "zh-hans")}
        return render(request, "web/dashboard/reports_missing.html", context, status=exc.status)
    inline = request.GET.get("inline") == "1" and fmt == "pdf"
    return FileResponse(
        path.open("rb"), as_attachment=not inline, filename=path.name, content_type=CONTENT_TYPES[fmt]
    )

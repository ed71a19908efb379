"""The report as PDF: the Django template index/report/monthly.html printed by WeasyPrint, with
the Noto CJK fonts named in its CSS found through fontconfig and embedded (subset) in the file.
Only data: URLs are fetched (the charts), so the printing never touches the network."""

from __future__ import annotations

import base64

from django.template.loader import render_to_string

TEMPLATE = "index/report/monthly.html"


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def html(context: dict, charts: dict[str, bytes]) -> str:
    return render_to_string(TEMPLATE, {**context, "charts": {k: data_uri(v) for k, v in charts.items()}})


def render(context: dict, charts: dict[str, bytes]) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=html(context, charts), base_url=None, url_fetcher=fetcher).write_pdf()

"""The report as DOCX: docxtpl fills data/monthly.docx (made by make_template.py, which a city
may restyle in Word as long as the {{ … }} and {%… %} tags stay) with the same sentences, tables
and charts as the PDF."""

from __future__ import annotations

import io
from pathlib import Path

TEMPLATE = Path(__file__).with_name("data") / "monthly.docx"
CHART_WIDTH_MM = 160


def render(context: dict, charts: dict[str, bytes]) -> bytes:
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    tpl = DocxTemplate(TEMPLATE)
    pictures = {
        f"chart_{name}": InlineImage(tpl, io.BytesIO(png), width=Mm(CHART_WIDTH_MM))
        for name, png in charts.items()
    }
    tpl.render({**context, **pictures}, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()

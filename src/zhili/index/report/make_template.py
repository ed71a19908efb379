"""Builds data/monthly.docx, the docxtpl template of the monthly report, with python-docx:

    .venv/bin/python -m zhili.index.report.make_template

Run it after changing the layout here and commit the .docx (a test checks the two agree). The
tags are docxtpl's Jinja: {{ s.headline }} fills a run, {%p for … %} repeats a paragraph,
{%tr for … %} a table row; `s` holds the sentences and `rows` the tables (prose.py), chart_*
the charts. Chinese text uses 宋体 (body) and 黑体 (headings), the fonts a city's Word has."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from zhili.core.wordfonts import BODY_FONT, HEADING_FONT, set_fonts

TEMPLATE = Path(__file__).with_name("data") / "monthly.docx"
RED = RGBColor(0xB3, 0x26, 0x1E)
BLACK = RGBColor(0x22, 0x22, 0x22)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    set_fonts(normal, BODY_FONT)
    normal.font.size = Pt(12)
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(3)
    for name, size in (("Title", 22), ("Heading 1", 16), ("Caption", 9)):
        style = doc.styles[name]
        set_fonts(style, HEADING_FONT)
        style.font.size = Pt(size)
        style.font.bold = name != "Caption"
        style.font.italic = False
        style.font.color.rgb = RED if name == "Title" else BLACK
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER if name != "Heading 1" else None
        style.paragraph_format.space_before = Pt(12 if name == "Heading 1" else 0)
        style.paragraph_format.space_after = Pt(6)
    title = doc.styles["Title"].element.pPr
    border = title.find(qn("w:pBdr")) if title is not None else None
    if border is not None:  # the default Title has a blue rule under it
        title.remove(border)


def _text(doc, text: str, *, indent: bool = True, style: str | None = None, center: bool = False):
    p = doc.add_paragraph(text, style=style)
    if indent and not center:
        p.paragraph_format.first_line_indent = Pt(24)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


def _tag(doc, tag: str) -> None:
    """A paragraph holding only a {%p … %} tag: docxtpl replaces the whole paragraph."""
    doc.add_paragraph(tag)


def _loop(doc, items: str, line: str, **kw) -> None:
    _tag(doc, "{%p for line in " + items + " %}")
    _text(doc, line, **kw)
    _tag(doc, "{%p endfor %}")


def _table(
    doc, headers: list[str], items: str, cells: list[str], *, numeric: frozenset[int] | set[int] = frozenset()
) -> None:
    table = doc.add_table(rows=4, cols=len(headers), style="Table Grid")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.rows[1].cells[0].text = "{%tr for r in " + items + " %}"
    table.rows[3].cells[0].text = "{%tr endfor %}"
    for i, (head, cell) in enumerate(zip(headers, cells, strict=True)):
        table.rows[0].cells[i].text = head
        table.rows[2].cells[i].text = "{{ r." + cell + " }}"
        for row in (0, 2):
            p = table.rows[row].cells[i].paragraphs[0]
            p.paragraph_format.first_line_indent = None
            p.paragraph_format.line_spacing = 1.15
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if (row == 2 and i in numeric) else None
            for run in p.runs:
                run.font.size = Pt(10.5)
                run.font.bold = row == 0
                if row == 0:
                    set_fonts(run, HEADING_FONT)


def _figure(doc, chart: str, caption: str) -> None:
    _text(doc, "{{ " + chart + " }}", center=True)
    _text(doc, "{{ " + caption + " }}", style="Caption", center=True)


def _page_number(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    p._p.append(field)


def build(path: Path = TEMPLATE) -> Path:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    section.left_margin = section.right_margin = Mm(22)
    _page_number(section)
    _styles(doc)
    doc.core_properties.title = "平安+指数月度报告"
    doc.core_properties.author = "Zhili"

    _text(doc, "{{ s.title }}", style="Title", center=True)
    _text(doc, "{{ s.subtitle }}", center=True)
    _text(doc, "生成于{{ generated }}", style="Caption", center=True)

    doc.add_heading("一、总体情况", level=1)
    _text(doc, "{{ s.headline }}")
    _tag(doc, "{%p if s.incomplete %}")
    _text(doc, "{{ s.incomplete }}")
    _tag(doc, "{%p endif %}")
    _figure(doc, "chart_daily", "s.daily_caption")

    doc.add_heading("二、一级指标变化情况", level=1)
    _loop(doc, "s.first_level", "{{ line }}")
    _figure(doc, "chart_first_level", "s.first_level_caption")
    _table(doc, ["一级指标", "本月得分", "上月得分", "较上月"], "rows.first_level",
           ["name", "score", "previous", "diff"], numeric={1, 2, 3})  # fmt: skip

    doc.add_heading("三、需要关注的问题", level=1)
    _text(doc, "{{ s.attention_intro }}")
    _loop(doc, "s.attention", "{{ loop.index }}. {{ line }}")

    doc.add_heading("四、各区排名情况", level=1)
    _text(doc, "{{ s.districts }}")
    _table(doc, ["排名", "区（功能区）", "得分", "较上月", "名次变化", "等级", "红色天数"], "rows.districts",
           ["rank", "name", "score", "diff", "move", "grade", "red_days"], numeric={2, 3, 6})  # fmt: skip
    _figure(doc, "chart_districts", "s.district_caption")
    _text(doc, "{{ s.funnel }}")
    _figure(doc, "chart_funnel", "s.funnel_caption")
    _tag(doc, "{%p for d in rows.districts %}")
    _text(doc, "{{ d.sentence }}")
    _tag(doc, "{%p endfor %}")

    doc.add_heading("五、红色天数较多的镇街", level=1)
    _text(doc, "{{ s.red_towns }}")
    _tag(doc, "{%p if rows.red_towns %}")
    _table(doc, ["序号", "镇（街道）", "所属区", "红色天数", "最长连续红色天数"], "rows.red_towns",
           ["n", "name", "district", "red_days", "longest"], numeric={3, 4})  # fmt: skip
    _tag(doc, "{%p endif %}")

    doc.add_heading("六、五星村（社区）", level=1)
    _text(doc, "{{ s.stars }}")
    _tag(doc, "{%p if rows.star_groups %}")
    _table(doc, ["镇（街道）", "所属区", "个数", "五星村（社区）"], "rows.star_groups",
           ["town", "district", "count", "names"], numeric={2})  # fmt: skip
    _tag(doc, "{%p endif %}")

    doc.add_heading("附：数据来源与说明", level=1)
    _loop(doc, "s.sources", "{{ line }}", indent=False)
    _loop(doc, "s.method", "{{ line }}", indent=False)

    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build())

"""Builds the shipped Word templates of the mediation paperwork with python-docx:

    .venv/bin/python -m zhili.mediation.documents.make_templates

Run it after changing a layout here and commit the three .docx files in templates/. An office
that wants its own wording edits a copy in Word and drops it in DATA_DIR/templates/mediation/;
this script is only how the defaults are made, so they stay reviewable as code.

The tags are docxtpl's Jinja (the context is described in the package docstring): {{ … }} fills
a run, {%p for … %} repeats a paragraph, {%tr for … %} a table row. Styles carry the meaning
the PDF needs: mammoth maps "Title", "Case Number", "Heading 1", "Heading 2", "Right",
"Signature" and "Addressee" to HTML classes (documents/__init__.py), so the PDF keeps the centred title and
the right-aligned number without reading Word's direct formatting. Chinese text names 宋体 and 黑体 as its East
Asian fonts, the fonts every office's Word has. What python-docx's default template brings and the
templates don't use (most of its styles, stylesWithEffects.xml) is dropped before saving, since
docxtpl and mammoth would parse it again for every document (_lean)."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as Docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from zhili.core.wordfonts import BODY_FONT, HEADING_FONT, LATIN_FONT, set_fonts

TEMPLATES = Path(__file__).with_name("templates")
BLACK = RGBColor(0, 0, 0)
PARTY_COLUMNS = [  # header, field, width (mm): the id number needs its 18 digits on one line
    ("角色", "role_label", 20),
    ("姓名", "name", 22),
    ("性别", "gender", 12),
    ("身份证号", "id_number", 42),
    ("联系电话", "phone", 30),
    ("住址", "address", 40),
]
LINE = "＿＿＿＿＿＿＿＿"
# The paragraph styles the print CSS lays out (documents/__init__.py STYLE_MAP): every template
# keeps all of them, used or not, so an office's copy edited in Word still offers them.
MAPPED_STYLES = ("Title", "Case Number", "Heading 1", "Heading 2", "Right", "Signature", "Addressee")
# Parts of python-docx's default template that no template uses: Word 2010's copy of the styles
# (440 KB), a bibliography store and a thumbnail of the default template's empty page.
UNUSED_PARTS = (
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
    RT.CUSTOM_XML,
    RT.THUMBNAIL,
)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    set_fonts(normal, BODY_FONT)
    normal.font.size = Pt(12)
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(2)
    for name, size, align, before, after in (
        ("Title", 22, WD_ALIGN_PARAGRAPH.CENTER, 0, 6),
        ("Heading 1", 14, None, 10, 6),
        ("Heading 2", 12, None, 6, 3),
    ):
        style = doc.styles[name]
        set_fonts(style, HEADING_FONT)
        style.font.size = Pt(size)
        style.font.bold, style.font.italic = True, False
        style.font.color.rgb = BLACK
        style.paragraph_format.alignment = align
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
    ppr = doc.styles["Title"].element.pPr
    border = ppr.find(qn("w:pBdr")) if ppr is not None else None
    if border is not None:  # the default Title has a blue rule under it
        ppr.remove(border)
    for name, align, size in (
        ("Case Number", WD_ALIGN_PARAGRAPH.RIGHT, 10.5),
        ("Right", WD_ALIGN_PARAGRAPH.RIGHT, 12),
        ("Signature", WD_ALIGN_PARAGRAPH.LEFT, 12),
        ("Addressee", WD_ALIGN_PARAGRAPH.LEFT, 12),
    ):
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(size)
        style.paragraph_format.alignment = align
        if name == "Signature":
            style.paragraph_format.space_before = Pt(10)


def _lean(doc: Docx) -> None:
    """Drops what python-docx's default template carries and no template uses. docxtpl and
    mammoth parse styles.xml on every render, and the default one is 350 KB (168 styles, 137
    latent ones): that was two thirds of a PDF's time. Kept: the defaults (Normal, Default
    Paragraph Font, Normal Table, No List), the styles the body names, the ones the print CSS
    maps, and what they are based on or followed by; the "… Char" styles linked to them go, with
    the links. Dropping a part's relationship is enough: python-docx saves only the parts
    reachable by relationships and writes [Content_Types].xml from them. Theme, font table and
    settings stay: they cost nothing to render (nothing parses them) and Word expects them."""
    for rels in (doc.part.rels, doc.part.package.rels):
        for rid, rel in list(rels.items()):
            if rel.reltype in UNUSED_PARTS:
                del rels[rid]
    styles = doc.styles.element
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    # Theme fonts would override the named ones (and with settings' Japanese theme-font language
    # resolve to MS Mincho), so the defaults name the fonts too.
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), BODY_FONT)
    by_id = {s.get(qn("w:styleId")): s for s in styles.iterchildren(qn("w:style"))}
    wanted = {i for i, s in by_id.items() if s.get(qn("w:default")) in ("1", "true", "on")}
    wanted |= {doc.styles[name].style_id for name in MAPPED_STYLES}
    body = doc.element.body
    wanted |= {e.get(qn("w:val")) for e in body.iter(qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle"))}
    todo = list(wanted)
    while todo:  # what the kept styles are based on or followed by (linked styles are not kept)
        style = by_id[todo.pop()]
        for tag in ("w:basedOn", "w:next"):
            ref = style.find(qn(tag))
            if ref is not None and ref.get(qn("w:val")) not in wanted:
                wanted.add(ref.get(qn("w:val")))
                todo.append(ref.get(qn("w:val")))
    for style_id, style in by_id.items():
        if style_id not in wanted:
            styles.remove(style)
            continue
        link = style.find(qn("w:link"))
        if link is not None and link.get(qn("w:val")) not in wanted:
            style.remove(link)
    # The default numbering defines lists for the list styles just dropped; nothing is numbered.
    numbering = doc.part.numbering_part.element
    for child in list(numbering):
        numbering.remove(child)


def _document(title: str) -> Docx:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    section.left_margin = section.right_margin = Mm(22)
    _styles(doc)
    doc.core_properties.title = title
    doc.core_properties.author = "Zhili"
    doc.add_paragraph(title, style="Title")
    doc.add_paragraph("案件编号：{{ case.number }}", style="Case Number")
    return doc


def _text(doc, text: str, *, style: str | None = None, indent: bool = False):
    p = doc.add_paragraph(text, style=style)
    if indent:
        p.paragraph_format.first_line_indent = Pt(24)
    return p


def _cell(cell, text: str, *, bold: bool = False, center: bool = False) -> None:
    cell.text = text
    p = cell.paragraphs[0]
    p.paragraph_format.line_spacing = 1.15
    p.paragraph_format.space_after = Pt(0)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in p.runs:
        run.font.size = Pt(10.5)
        run.font.bold = bold
        if bold:
            set_fonts(run, HEADING_FONT)


def _header_row(row) -> None:
    """Marks the row as a header: Word repeats it on each page and mammoth prints it as <th>."""
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:tblHeader"))


def _parties(doc) -> None:
    table = doc.add_table(rows=4, cols=len(PARTY_COLUMNS), style="Table Grid")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _header_row(table.rows[0])
    table.rows[1].cells[0].text = "{%tr for p in parties %}"
    table.rows[3].cells[0].text = "{%tr endfor %}"
    for i, (head, field, width) in enumerate(PARTY_COLUMNS):
        _cell(table.rows[0].cells[i], head, bold=True, center=True)
        _cell(table.rows[2].cells[i], "{{ p." + field + " }}")
        for row in table.rows:
            row.cells[i].width = Mm(width)


def _form(doc, rows: list[tuple[str, str] | tuple[str, str, str, str]]) -> None:
    """A bordered label/value table like a paper form: two pairs a row, or one pair spanning it."""
    table = doc.add_table(rows=len(rows), cols=4, style="Table Grid")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, pairs in zip(table.rows, rows, strict=True):
        for i, width in enumerate((32, 53, 32, 49)):
            row.cells[i].width = Mm(width)
        if len(pairs) == 2:
            value = row.cells[1].merge(row.cells[3])
            _cell(row.cells[0], pairs[0], bold=True, center=True)
            _cell(value, pairs[1])
        else:
            for i, text in enumerate(pairs):
                _cell(row.cells[i], text, bold=i % 2 == 0, center=i % 2 == 0)


def application() -> Docx:
    doc = _document("调解申请书")
    doc.add_paragraph("当事人基本情况", style="Heading 1")
    _parties(doc)
    doc.add_paragraph("纠纷基本情况", style="Heading 1")
    _form(doc, [
        ("纠纷类型", "{{ case.type_label }}", "涉及金额（元）", "{{ case.amount }}"),
        ("纠纷发生地", "{{ case.place }}"),
        ("申请方式", "{{ case.channel_label }}", "申请日期", "{{ case.submitted_on }}"),
    ])  # fmt: skip
    doc.add_paragraph("申请事项", style="Heading 1")
    _text(doc, "{{ case.claims }}", indent=True)
    doc.add_paragraph("纠纷事实与理由", style="Heading 1")
    _text(doc, "{{ case.facts }}", indent=True)
    _text(doc, "此致", indent=True).paragraph_format.space_before = Pt(12)
    _text(doc, "{{ case.institution }}", style="Addressee")
    _text(doc, "申请人（签名或按指印）：" + LINE, style="Right").paragraph_format.space_before = Pt(18)
    _text(doc, "{{ case.submitted_on }}", style="Right")
    return doc


def acceptance() -> Docx:
    doc = _document("人民调解受理登记表")
    _form(doc, [
        ("受理日期", "{{ case.accepted_on }}", "登记人", "{{ case.registered_by }}"),
        ("申请方式", "{{ case.channel_label }}", "申请日期", "{{ case.submitted_on }}"),
        ("纠纷类型", "{{ case.type_label }}", "涉及金额（元）", "{{ case.amount }}"),
        ("纠纷发生地", "{{ case.place }}"),
    ])  # fmt: skip
    doc.add_paragraph("当事人", style="Heading 1")
    _parties(doc)
    doc.add_paragraph("纠纷及受理情况", style="Heading 1")
    _form(doc, [
        ("纠纷事实", "{{ case.facts }}"),
        ("申请事项", "{{ case.claims }}"),
        ("受理意见", "{{ case.acceptance_note }}"),
        ("调解组织", "{{ case.institution }}"),
        ("调解员", "{{ case.mediators }}"),
    ])  # fmt: skip
    _text(doc, "登记人（签名）：{{ case.registered_by }}　" + LINE, style="Signature")
    _text(doc, "{{ case.institution }}（盖章）", style="Right").paragraph_format.space_before = Pt(18)
    _text(doc, "{{ case.accepted_on }}", style="Right")
    return doc


def agreement() -> Docx:
    doc = _document("人民调解协议书")
    doc.add_paragraph("当事人", style="Heading 1")
    _parties(doc)
    _form(doc, [
        ("纠纷类型", "{{ case.type_label }}", "涉及金额（元）", "{{ case.amount }}"),
        ("纠纷发生地", "{{ case.place }}"),
        ("调解组织", "{{ case.institution }}"),
        ("调解员", "{{ case.mediators }}"),
    ])  # fmt: skip
    doc.add_paragraph("纠纷主要事实、争议事项", style="Heading 1")
    _text(doc, "{{ case.facts }}", indent=True)
    _text(doc, "{{ case.claims }}", indent=True)
    doc.add_paragraph("经调解，当事人自愿达成如下协议", style="Heading 1")
    doc.add_paragraph("{%p for t in terms %}")
    _text(doc, "{{ loop.index }}. {{ t }}", indent=True)
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("履行方式、时限", style="Heading 1")
    _text(doc, "{{ performance }}", indent=True)
    _text(doc, "本协议自各方当事人签名（盖章或按指印）、人民调解员签名并加盖人民调解委员会印章之日起生效。", indent=True).paragraph_format.space_before = Pt(8)  # fmt: skip
    _text(doc, "本协议一式 {{ copies }} 份，当事人、人民调解委员会各持一份。", indent=True)
    _text(doc, "当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。", indent=True)
    doc.add_paragraph("{%p for p in parties %}")
    _text(doc, "{{ p.role_label }}：{{ p.name }}　　签名（按指印）：" + LINE, style="Signature")
    doc.add_paragraph("{%p endfor %}")
    _text(doc, "人民调解员（签名）：" + LINE, style="Signature")
    _text(doc, "{{ case.institution }}（盖章）", style="Right").paragraph_format.space_before = Pt(18)
    _text(doc, "{{ today }}", style="Right")
    return doc


BUILDERS = {"application": application, "acceptance": acceptance, "agreement": agreement}


def build(directory: Path = TEMPLATES) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, make in BUILDERS.items():
        path = directory / f"{kind}.docx"
        doc = make()
        _lean(doc)
        doc.save(path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for path in build():
        print(path)

"""The mediation paperwork: the three Word templates filled in, printed to PDF with CJK fonts,
citizens' text escaped, an office's own template taking precedence and a broken one refused."""

from __future__ import annotations

import io
import threading
import zipfile

import pytest
from django.test import override_settings
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from zhili.casework import documents as casework_documents
from zhili.core.errors import ZhiliError
from zhili.mediation import documents
from zhili.mediation.documents import KINDS, TITLES, TemplateBroken, TemplateMissing
from zhili.mediation.documents.make_templates import MAPPED_STYLES

PARTIES = [
    {"role_label": "申请人", "name": "张伟", "gender": "男", "id_number": "440402199001011234",
     "phone": "13800138000", "address": "海澄区拱北街道翠香路12号"},
    {"role_label": "被申请人", "name": "李娜", "gender": "女", "id_number": "44040219850505432X",
     "phone": "13900139000", "address": "海澄区拱北街道迎宾南路8号"},
]  # fmt: skip
TERMS = [
    "被申请人于2026年11月30日前一次性支付拖欠工资1,650,000元。",
    "申请人收到款项后不再就本纠纷主张其他权利。",
    "调解费用由双方各自承担。",
]
CONTEXT = {
    "case": {
        "number": "ZJ-2026-000123",
        "type_label": "劳动争议（欠薪）",
        "amount": "1,650,000.00",
        "place": "海澄区拱北街道翠香社区",
        "facts": "申请人于2025年3月入职。\n被申请人自2026年5月起拖欠工资。",
        "claims": "请求被申请人支付拖欠工资。",
        "channel_label": "网上申请",
        "submitted_on": "2026年11月2日",
        "accepted_on": "2026年11月3日",
        "acceptance_note": "符合受理条件，予以受理。",
        "registered_by": "王芳",
        "institution": "拱北街道人民调解委员会",
        "mediators": "李强（主调解员）、赵敏",
    },
    "parties": PARTIES,
    "terms": TERMS,
    "performance": "银行转账",
    "copies": 3,
    "today": "2026年11月29日",
}


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    lines += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(lines)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def embedded_fonts(data: bytes) -> set[str]:
    """Base names of the fonts whose program is in the file (WeasyPrint writes Type0 fonts)."""
    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                fonts.add(str(font["/BaseFont"]).replace("-", ""))
    return fonts


@pytest.fixture(autouse=True)
def _no_office_templates(tmp_path):
    """A DATA_DIR without replacement templates, so the shipped ones are what is tested."""
    with override_settings(DATA_DIR=tmp_path):
        yield


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, bytes]:
    """One print per kind for the module: WeasyPrint takes about a second a document."""
    with override_settings(DATA_DIR=tmp_path_factory.mktemp("data")):
        return {
            kind: documents.render_pdf(kind, CONTEXT, appendix_html="<p>电子签名：张伟 已签署</p>")
            for kind in KINDS
        }


@pytest.mark.parametrize("kind", KINDS)
def test_each_docx_has_its_title_the_case_number_and_every_party(kind):
    text = docx_text(documents.render_docx(kind, CONTEXT))
    assert TITLES[kind] in text
    assert "ZJ-2026-000123" in text
    for party in PARTIES:
        assert party["name"] in text
        assert party["id_number"] in text
    assert "{{" not in text and "{%" not in text


def test_the_agreement_lists_every_term_in_order_and_the_standard_sentences():
    text = docx_text(documents.render_docx("agreement", CONTEXT))
    positions = [text.index(f"{n}. {term}") for n, term in enumerate(TERMS, start=1)]
    assert positions == sorted(positions)
    assert "本协议一式 3 份，当事人、人民调解委员会各持一份。" in text
    assert "当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。" in text
    assert "履行方式、时限" in text and "银行转账" in text
    for party in PARTIES:
        assert f"{party['role_label']}：{party['name']}" in text  # a signature line each


def test_the_acceptance_form_has_the_registration_fields():
    text = docx_text(documents.render_docx("acceptance", CONTEXT))
    for value in (
        "2026年11月3日",
        "符合受理条件，予以受理。",
        "王芳",
        "李强（主调解员）、赵敏",
        "1,650,000.00",
    ):
        assert value in text


@pytest.mark.parametrize("kind", KINDS)
def test_the_pdf_has_the_title_and_the_parties_in_chinese(pdfs, kind):
    text = pdf_text(pdfs[kind])
    assert pdfs[kind].startswith(b"%PDF")
    assert TITLES[kind] in text.replace(" ", "")
    assert "ZJ-2026-000123" in text
    for party in PARTIES:
        assert party["name"] in text


@pytest.mark.parametrize("kind", KINDS)
def test_the_pdf_embeds_a_cjk_font(pdfs, kind):
    fonts = embedded_fonts(pdfs[kind])  # e.g. /LWGGBP+NotoSerifCJKSC once unhyphenated
    assert any("NotoSerifCJK" in f or "NotoSansCJK" in f for f in fonts), fonts


def test_the_appendix_html_is_printed_at_the_end(pdfs):
    text = pdf_text(pdfs["agreement"])
    assert "电子签名：张伟 已签署" in text
    assert text.index("电子签名") > text.index("司法确认")


def test_a_citizens_markup_is_printed_as_text_and_the_docx_still_opens():
    case = {**CONTEXT["case"], "facts": "对方说<w:p>不还</w:p> & 拒绝协商", "claims": "</w:t>&amp;"}
    data = documents.render_docx("application", {**CONTEXT, "case": case})
    text = docx_text(data)
    assert "对方说<w:p>不还</w:p> & 拒绝协商" in text
    assert "</w:t>&amp;" in text
    assert "对方说<w:p>不还</w:p> & 拒绝协商" in pdf_text(documents.docx_to_pdf(data))


def test_line_breaks_are_kept_and_control_characters_dropped():
    case = {**CONTEXT["case"], "facts": "第一行\r\n第二行\x0b第三行\x00\x07\x0c"}
    doc = Document(io.BytesIO(documents.render_docx("application", {**CONTEXT, "case": case})))
    facts = next(p for p in doc.paragraphs if "第一行" in p.text)
    assert facts.text == "第一行\n第二行\n第三行"


def test_missing_keys_print_empty():
    text = docx_text(documents.render_docx("agreement", {"case": {"number": "ZJ-2026-000001"}}))
    assert "ZJ-2026-000001" in text
    assert "本协议一式  份" in text
    assert "None" not in text and "Undefined" not in text
    assert TITLES["acceptance"] in docx_text(documents.render_docx("acceptance", {}))


def test_an_office_template_is_used_instead_of_the_shipped_one(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    office = tmp_path / "templates" / "mediation" / "application.docx"
    office.parent.mkdir(parents=True)
    doc = Document()
    doc.add_paragraph("OFFICE {{ case.number }}")
    doc.save(office)
    assert documents.template_path("application") == office
    assert docx_text(documents.render_docx("application", CONTEXT)).strip() == "OFFICE ZJ-2026-000123"
    assert documents.template_path("agreement").parent == documents.SHIPPED


def test_a_broken_office_template_is_refused_naming_the_file(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    office = tmp_path / "templates" / "mediation" / "agreement.docx"
    office.parent.mkdir(parents=True)
    doc = Document()
    doc.add_paragraph("{% for t in terms %}{{ t }")
    doc.save(office)
    with pytest.raises(ZhiliError) as err:
        documents.render_docx("agreement", CONTEXT)
    assert isinstance(err.value, TemplateBroken)
    assert "agreement.docx" in err.value.message
    assert err.value.details[0]["file"] == str(office)
    assert err.value.as_body()["code"] == "template_broken"


def test_an_unknown_kind_is_template_missing():
    with pytest.raises(TemplateMissing) as err:
        documents.render_docx("verdict", CONTEXT)
    assert "verdict" in err.value.message
    assert err.value.code == "template_missing"
    assert isinstance(err.value, ZhiliError)


def test_the_shipped_templates_are_what_make_templates_builds(tmp_path):
    from zhili.mediation.documents.make_templates import build

    for path in build(tmp_path):
        with zipfile.ZipFile(path) as built, zipfile.ZipFile(documents.SHIPPED / path.name) as shipped:
            assert built.read("word/document.xml") == shipped.read("word/document.xml"), path.name
            assert built.read("word/styles.xml") == shipped.read("word/styles.xml"), path.name
            assert built.namelist() == shipped.namelist(), path.name


@pytest.mark.parametrize("kind", KINDS)
def test_the_shipped_templates_carry_only_the_styles_they_use(kind):
    """python-docx's default template brings 350 KB of styles and a 440 KB stylesWithEffects.xml
    that docxtpl and mammoth would parse on every render; make_templates drops them."""
    with zipfile.ZipFile(documents.SHIPPED / f"{kind}.docx") as docx:
        names = set(docx.namelist())
        styles = docx.read("word/styles.xml")
        listed = docx.read("[Content_Types].xml") + docx.read("word/_rels/document.xml.rels")
    assert "word/stylesWithEffects.xml" not in names
    assert b"stylesWithEffects" not in listed
    assert len(styles) < 12_000, len(styles)
    assert b"latentStyles" not in styles
    doc = Document(documents.SHIPPED / f"{kind}.docx")
    style_ids = {s.style_id for s in doc.styles}
    used = {e.get(qn("w:val")) for e in doc.element.body.iter(qn("w:pStyle"), qn("w:tblStyle"))}
    assert used <= style_ids
    names = {s.name for s in doc.styles}  # the ones the print CSS maps, used here or not
    assert {"Normal", *MAPPED_STYLES} <= names


@pytest.mark.parametrize("kind", KINDS)
def test_the_docx_names_song_and_hei_as_east_asian_fonts(kind):
    doc = Document(io.BytesIO(documents.render_docx(kind, CONTEXT)))

    def east_asian(style):
        return style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))

    assert east_asian(doc.styles["Normal"]) == "宋体"
    for name in ("Title", "Heading 1", "Heading 2"):
        assert east_asian(doc.styles[name]) == "黑体", name
    styles = doc.styles.element
    assert styles.find(f"{qn('w:docDefaults')}//{qn('w:rFonts')}").get(qn("w:eastAsia")) == "宋体"
    assert not styles.xpath(".//w:rFonts[@w:eastAsiaTheme]")  # a theme font would override them


def test_each_thread_reuses_its_own_font_configuration():
    """WeasyPrint's font map is reused between prints but never shared between threads."""
    here = casework_documents._font_config()
    assert casework_documents._font_config() is here
    other = []
    thread = threading.Thread(target=lambda: other.append(casework_documents._font_config()))
    thread.start()
    thread.join()
    assert other[0] is not here


def test_an_office_template_cannot_reach_python_internals(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    office = tmp_path / "templates" / "mediation" / "application.docx"
    office.parent.mkdir(parents=True)
    doc = Document()
    doc.add_paragraph("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    doc.save(office)
    with pytest.raises(TemplateBroken, match=r"application\.docx"):
        documents.render_docx("application", CONTEXT)

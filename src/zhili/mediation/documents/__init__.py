"""The paperwork of a people's-mediation case — 调解申请书, 人民调解受理登记表, 人民调解协议书 —
as Word files from docxtpl templates and as PDF printed from those same Word files
(zhili.casework.documents renders them).

Why Word first: offices keep their own wording and letterheads, and the people who maintain them
edit .docx, not HTML. So each kind has one template; an office replaces it by dropping its own
file in DATA_DIR/templates/mediation/<kind>.docx, and the PDF is the rendered .docx converted to
HTML (mammoth) and printed by WeasyPrint with the Noto CJK fonts embedded, so the two formats can
never disagree. mammoth keeps text, tables and bold but not Word's direct formatting; the
paragraph styles "Title", "Case Number", "Heading 1", "Heading 2", "Right", "Signature" and
"Addressee" (see make_templates.py) are what the print CSS lays out, so a replacement template
should keep them.

The module takes plain dicts; the caller builds them from its models. Every value is text already
formatted for the page (dates in Chinese, amounts with separators); any key may be missing and
then prints empty. Citizens' text is escaped, and line breaks in it are kept.

    {"case": {"number": "ZJ-2026-000123", "type_label": "劳动争议（欠薪）",
              "amount": "1,650,000.00", "place": "海澄区拱北街道翠香社区",
              "facts": "…", "claims": "…", "channel_label": "网上申请",
              "submitted_on": "2026年11月2日", "accepted_on": "2026年11月3日",
              "acceptance_note": "…", "registered_by": "王芳",
              "institution": "拱北街道人民调解委员会", "mediators": "李强（主调解员）、赵敏"},
     "parties": [{"role_label": "申请人", "name": "张伟", "gender": "男",
                  "id_number": "440402199001011234", "phone": "13800138000", "address": "…"}],
     "terms": ["被申请人于2026年11月30日前一次性支付拖欠工资1,650,000元。"],
     "performance": "银行转账", "copies": 3, "today": "2026年11月29日"}

application uses case.{number, type_label, amount, place, channel_label, submitted_on, claims,
facts, institution} and parties; acceptance adds case.{accepted_on, registered_by,
acceptance_note, mediators}; agreement uses case.{number, type_label, amount, place,
institution, mediators, facts, claims}, parties, terms, performance, copies and today.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zhili.casework import documents as casework_documents
from zhili.casework.documents import TemplateBroken, TemplateMissing, docx_to_pdf  # noqa: F401 - re-exported

KINDS = ("application", "acceptance", "agreement")
TITLES = {"application": "调解申请书", "acceptance": "人民调解受理登记表", "agreement": "人民调解协议书"}
SHIPPED = Path(__file__).with_name("templates")


def template_path(kind: str) -> Path:
    """The office's template (DATA_DIR/templates/mediation/<kind>.docx) if it has one, else ours."""
    return casework_documents.template_path("mediation", kind, SHIPPED, TITLES)


def render_docx(kind: str, context: dict[str, Any]) -> bytes:
    return casework_documents.render_docx(template_path(kind), context, title=TITLES[kind])


def render_pdf(kind: str, context: dict[str, Any], *, appendix_html: str = "") -> bytes:
    return docx_to_pdf(render_docx(kind, context), appendix_html=appendix_html)

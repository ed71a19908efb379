"""Case documents from Word templates: docxtpl fills a .docx, and the PDF is that same .docx
converted to HTML (mammoth) and printed by WeasyPrint with the Noto CJK fonts embedded, so the
two formats can never disagree. A module ships one template per kind; an office replaces one by
dropping its own file in DATA_DIR/templates/<module>/<kind>.docx (template_path).

Why Word first: offices keep their own wording and letterheads, and the people who maintain them
edit .docx, not HTML. mammoth keeps text, tables and bold but not Word's direct formatting; the
paragraph styles "Title", "Case Number", "Heading 1", "Heading 2", "Right", "Signature" and
"Addressee" are what the print CSS lays out, so a template should use them.
"""

from __future__ import annotations

import html
import io
import re
import threading
import zipfile
from pathlib import Path
from string import Template
from typing import Any

from django.conf import settings

from zhili.core.errors import ZhiliError

# Word paragraph styles → HTML, ahead of mammoth's defaults (which map Heading 1 to h1).
STYLE_MAP = """
p[style-name='Title'] => h1.title:fresh
p[style-name='Case Number'] => p.case-number:fresh
p[style-name='Heading 1'] => h2:fresh
p[style-name='Heading 2'] => h3:fresh
p[style-name='Right'] => p.right:fresh
p[style-name='Signature'] => p.signature:fresh
p[style-name='Addressee'] => p.addressee:fresh
"""

PAGE = Template("""<!DOCTYPE html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<title>$title</title>
<style>
  @page {
    size: A4;
    margin: 25mm 22mm 22mm 22mm;
    @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #555; }
  }
  html { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 12pt; line-height: 1.7; color: #000; }
  h1, h2, h3, th { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif; }
  h1 { text-align: center; font-size: 22pt; letter-spacing: 0.15em; margin: 0 0 3mm; }
  h2 { font-size: 13pt; margin: 5mm 0 2mm; page-break-after: avoid; }
  h3 { font-size: 12pt; margin: 3mm 0 1mm; }
  p { margin: 0 0 1.5mm; text-align: justify; }
  body > p:not([class]) { text-indent: 2em; }
  p.case-number { text-align: right; font-size: 10.5pt; margin-bottom: 3mm; }
  p.right { text-align: right; }
  p.signature { margin-top: 5mm; }
  p.right + p.right { margin-top: 0; }
  table { width: 100%; border-collapse: collapse; margin: 1mm 0 3mm; font-size: 10.5pt; line-height: 1.45; }
  th, td { border: 0.75pt solid #000; padding: 1.5mm 2mm; vertical-align: middle; }
  th { font-weight: bold; text-align: center; white-space: nowrap; }
  thead ~ tbody td:nth-child(1), thead ~ tbody td:nth-child(3), thead ~ tbody td:nth-child(4) { white-space: nowrap; }
  td p, th p { margin: 0; text-indent: 0; text-align: left; }
  th p { text-align: center; }
  tr { page-break-inside: avoid; }
  img { max-width: 100%; }
  .appendix { margin-top: 8mm; }
</style>
</head>
<body>
$body
$appendix
</body>
</html>
""")

# XML 1.0 forbids most control characters; Word pastes \x0b for a manual line break, and docxtpl
# turns \a and \f into new paragraphs and page breaks, which a citizen's text must not do.
_CONTROL = re.compile(r"[\x00-\x08\x0c\x0e-\x1f\x7f]")


# WeasyPrint loads the system's fonts into a new FontConfiguration (a Pango font map) for every
# document unless given one; reusing it keeps the Noto CJK faces loaded between prints (some
# 15-20 ms of the ~200 WeasyPrint takes a document; memory stays flat). A font map isn't safe to
# share between threads, and the web server (gthread) and the task consumer print from several,
# so each thread keeps its own.
_weasy = threading.local()


def _font_config():
    font_config = getattr(_weasy, "font_config", None)
    if font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        font_config = _weasy.font_config = FontConfiguration()
    return font_config


class TemplateMissing(ZhiliError):
    status = 404
    code = "template_missing"


class TemplateBroken(ZhiliError):
    """The office's replacement template can't be rendered; the office must fix the file."""

    status = 500
    code = "template_broken"


def template_path(module: str, kind: str, shipped: Path, titles: dict[str, str]) -> Path:
    """The office's template of `kind` if it has one, else the module's shipped one."""
    if kind not in titles:
        raise TemplateMissing(
            f"没有“{kind}”这种文书；可选：{'、'.join(f'{k}（{v}）' for k, v in titles.items())}",
            details=[{"field": "kind", "value": kind}],
        )
    office = Path(settings.DATA_DIR) / "templates" / module / f"{kind}.docx"
    if office.is_file():
        return office
    path = shipped / f"{kind}.docx"
    if not path.is_file():
        raise TemplateMissing(f"{titles[kind]}的模板文件 {path.name} 不存在", details=[{"file": str(path)}])
    return path


def _clean(value: Any) -> Any:
    """Text safe for WordprocessingML: newlines kept as line breaks, other control bytes dropped."""
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
        return _CONTROL.sub("", value.replace("\a", ""))
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def render_docx(path: Path, context: dict[str, Any], *, title: str = "") -> bytes:
    """The filled-in Word file. Jinja runs sandboxed (an office's template is code we didn't
    write) with undefined values chained to empty text, so a missing key prints nothing."""
    from docx.opc.exceptions import PackageNotFoundError
    from docxtpl import DocxTemplate
    from jinja2 import ChainableUndefined, TemplateError
    from jinja2.sandbox import SandboxedEnvironment
    from lxml import etree

    try:
        tpl = DocxTemplate(path)
        env = SandboxedEnvironment(undefined=ChainableUndefined)
        tpl.render(_clean(context), jinja_env=env, autoescape=True)
        out = io.BytesIO()
        tpl.save(out)
    except (
        TemplateError,
        etree.LxmlError,
        PackageNotFoundError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
    ) as exc:
        raise TemplateBroken(
            f"{title or path.stem}的模板 {path.name} 无法生成文书：{exc}",
            details=[{"file": str(path), "message": str(exc)}],
        ) from exc
    return out.getvalue()


def docx_to_pdf(docx: bytes, *, appendix_html: str = "") -> bytes:
    """A4 PDF of a rendered Word file. `appendix_html` is trusted, already-escaped HTML added
    after the document (the signature summary). Only data: URLs are fetched (images mammoth
    inlines), so printing never touches the network or the disk."""
    import mammoth
    from docx import Document
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    title = Document(io.BytesIO(docx)).core_properties.title or ""
    body = mammoth.convert_to_html(io.BytesIO(docx), style_map=STYLE_MAP).value
    appendix = f'<div class="appendix">{appendix_html}</div>' if appendix_html else ""
    page = PAGE.substitute(title=html.escape(title), body=body, appendix=appendix)
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=page, base_url=None, url_fetcher=fetcher).write_pdf(font_config=_font_config())

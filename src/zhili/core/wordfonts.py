"""Fonts in the Word templates we ship (python-docx): Word picks a Chinese character's font from
`w:eastAsia`, and a theme font would override the named one, so both are set and themes dropped."""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

BODY_FONT, HEADING_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"


def set_fonts(style_or_run, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Name both the Latin and the East Asian font; drop theme fonts that would override them."""
    style_or_run.font.name = latin
    rpr = style_or_run.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:eastAsia"), east_asian)

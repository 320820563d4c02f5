"""Write a ``ReportDocument`` as a .docx laid out per GB/T 9704-2012 (党政机关公文格式).

- A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm: a 156 x 225 mm text block.
- 22 lines of 28 characters: the section's document grid (``w:docGrid`` type linesAndChars) with the
  line pitch and the character spacing computed from the block, and every body line exactly one pitch.
- Title 2号 (22 pt) 方正小标宋简体, centred; body 3号 (16 pt) 仿宋_GB2312, first line indented two
  characters; level-1 headings in 黑体, level-2 in 楷体_GB2312, levels 3 and 4 in the body font.
- Signature and date (Arabic numerals) right-aligned, the date's first character two characters to the
  right of the signature's (7.3.5.2, a document issued without a seal).
- Page numbers 4号 (14 pt) "— 1 —" in the footer, odd pages on the right and even pages on the left,
  one character in from the edge of the block (7.5).

The fonts are proprietary and not shipped: the document names them (``w:rFonts w:eastAsia``) and Word
or LibreOffice substitute what the machine has. Latin letters and digits use Times New Roman.
"""

from __future__ import annotations

import io
import re
from decimal import ROUND_FLOOR, Decimal

from docx import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.font import CT_RPr
from docx.shared import Mm, Pt, Twips
from docx.text.paragraph import Paragraph

from epigrid.reports.document import Block, Level, ReportDocument

# GB/T 9704-2012 5.2.1 and 5.2.2.
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 37, 35, 28, 26
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28

TITLE_FONT, TITLE_PT = "方正小标宋简体", 22  # 2号
TITLE_CHARS = 20  # 2号 characters in the 156 mm line
BODY_FONT, BODY_PT = "仿宋_GB2312", 16  # 3号
H1_FONT, H2_FONT = "黑体", "楷体_GB2312"
PAGE_NUMBER_FONT, PAGE_NUMBER_PT = "宋体", 14  # 4号
LATIN_FONT = "Times New Roman"

TWIPS_PER_MM = Decimal(1440) / Decimal("25.4")


def _mm_to_twips(mm: Decimal) -> Decimal:
    return mm * TWIPS_PER_MM


BLOCK_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # 156
BLOCK_HEIGHT_MM = PAGE_HEIGHT_MM - MARGIN_TOP_MM - MARGIN_BOTTOM_MM  # 225

# Rounded down, so 22 lines and 28 characters always fit in the block (linePitch 579 twips, charSpace
# -848: the numbers of the 公文 templates Word users pass around).
LINE_PITCH_TWIPS = int(_mm_to_twips(Decimal(BLOCK_HEIGHT_MM)) / LINES_PER_PAGE)
_CHAR_PITCH_PT = _mm_to_twips(Decimal(BLOCK_WIDTH_MM)) / 20 / CHARS_PER_LINE
# w:charSpace is the difference between the grid's character pitch and the default font size, in
# 1/4096 of a point.
CHAR_SPACE = int(((_CHAR_PITCH_PT - BODY_PT) * 4096).to_integral_value(rounding=ROUND_FLOOR))
CHAR_TWIPS = int(_CHAR_PITCH_PT * 20)  # one character of the grid, for indents in twips
# Body text does not snap to the character grid (w:snapToGrid 0) but is condensed to the grid's pitch
# instead: LibreOffice (7.4) lays a 16 pt glyph on two 15.8 pt grid cells, which would halve the line
# to 14 characters, while Word condenses it. -0.4 pt per character: 28 x 15.6 pt = 437 pt fits the 442 pt
# line with the slack LibreOffice needs (-0.25 pt gives it 27), and 29 never fit. The grid stays in the
# section, so Word's page set-up still reads 22 lines x 28 characters.
CONDENSE_TWENTIETHS = -8
# Elements that follow w:spacing in w:rPr (ECMA-376 CT_RPr sequence), for inserting it in order.
_AFTER_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
    "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish",
    "w:oMath",
)  # fmt: skip


def _fonts(rpr: CT_RPr, east_asian: str, size_pt: float | None = None, *, condensed: bool = False) -> None:
    """Set the fonts of run or style properties: the East-Asian name through w:rFonts w:eastAsia."""
    fonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the names set here
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:cs"), LATIN_FONT)
    fonts.set(qn("w:hint"), "eastAsia")
    if condensed:
        spacing = rpr.find(qn("w:spacing"))
        if spacing is None:
            spacing = OxmlElement("w:spacing")
            rpr.insert_element_before(spacing, *_AFTER_SPACING)
        spacing.set(qn("w:val"), str(CONDENSE_TWENTIETHS))
    if size_pt is not None:
        rpr.sz_val = Pt(size_pt)


def _indent(
    paragraph: Paragraph, *, first_line_chars: int = 0, left_chars: int = 0, right_chars: int = 0
) -> None:
    """Indent in characters (w:firstLineChars etc., hundredths), with twips beside them for older readers."""
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(first_line_chars * 100))
    ind.set(qn("w:firstLine"), str(first_line_chars * CHAR_TWIPS))
    ind.set(qn("w:leftChars"), str(left_chars * 100))
    ind.set(qn("w:left"), str(left_chars * CHAR_TWIPS))
    ind.set(qn("w:rightChars"), str(right_chars * 100))
    ind.set(qn("w:right"), str(right_chars * CHAR_TWIPS))


def _outline(paragraph: Paragraph, level: int) -> None:
    """Give a heading its outline level, so Word's navigation pane lists it."""
    ppr = paragraph._p.get_or_add_pPr()
    node = OxmlElement("w:outlineLvl")
    node.set(qn("w:val"), str(level - 1))
    ppr.append(node)


def _setup_page(document: object) -> None:
    section = document.sections[0]  # type: ignore[attr-defined]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(MARGIN_TOP_MM), Mm(MARGIN_BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(MARGIN_LEFT_MM), Mm(MARGIN_RIGHT_MM)
    section.header_distance = Mm(15)
    # The page number's dash line sits 7 mm below the block (7.5): 35 - 7 mm from the bottom edge,
    # less half the 4号 line it is centred in.
    section.footer_distance = Mm(MARGIN_BOTTOM_MM - 7 - 3)
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))


def _setup_styles(document: object) -> None:
    """Make Normal the body text: 仿宋_GB2312 3号, two characters in, one grid line per line."""
    styles = document.styles  # type: ignore[attr-defined]
    normal = styles["Normal"]
    normal_rpr = normal.element.get_or_add_rPr()
    _fonts(normal_rpr, BODY_FONT, BODY_PT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal_rpr.append(lang)
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    normal.element.get_or_add_pPr().insert_element_before(
        snap, "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc"
    )
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Twips(LINE_PITCH_TWIPS)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.widow_control = False
    # The grid's character pitch is computed against the default font size (docDefaults).
    root = styles.element
    defaults = root.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        root.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    _fonts(rpr, BODY_FONT, BODY_PT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")  # LibreOffice picks its substitute CJK font by this


def _paragraph(document: object, *, first_line_chars: int = 2) -> Paragraph:
    paragraph: Paragraph = document.add_paragraph()  # type: ignore[attr-defined]
    _indent(paragraph, first_line_chars=first_line_chars)
    return paragraph


def _run(paragraph: Paragraph, text: str, font: str, size_pt: float, *, condensed: bool = True) -> None:
    run = paragraph.add_run(text)
    _fonts(run._r.get_or_add_rPr(), font, size_pt, condensed=condensed)


def _write_block(document: object, block: Block) -> None:
    paragraph = _paragraph(document)
    if block.level == Level.H1:
        _run(paragraph, block.lead, H1_FONT, BODY_PT)
        _outline(paragraph, 1)
    elif block.level == Level.H2:
        _run(paragraph, block.lead, H2_FONT, BODY_PT)
        _outline(paragraph, 2)
    elif block.lead:
        _run(paragraph, block.lead, BODY_FONT, BODY_PT)
    if block.text:
        _run(paragraph, block.text, BODY_FONT, BODY_PT)


def display_width(text: str) -> float:
    """Width of ``text`` in grid characters: ASCII (the date's digits) takes half a character."""
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in text)


def signature_indents(signature: str, date: str) -> tuple[int, int]:
    """Right indents (characters) of the signature and the date per GB/T 9704-2012 7.3.5.2.

    The signature ends two characters from the right edge and the date starts two characters to the
    right of the signature's first character; a date longer than that pushes the signature left so
    the date still ends two characters from the edge.
    """
    sig, day = display_width(signature), display_width(date)
    if day + 2 <= sig:
        return 2, round(sig - day)
    return round(day + 4 - sig), 2


# Where a title may break: between words of the report titles EpiGrid writes ("……关于", "新冠肺炎 |
# 疫情防控工作", "工作 | 进展情况", "| 的报告").
_TITLE_BREAKS = (
    re.compile(r"关于"),
    re.compile(r"(?=疫情防控)"),
    re.compile(r"(?=进展情况)"),
    re.compile(r"(?=的报告)"),
)


def title_lines(title: str) -> list[str]:
    """Break a long title where the words allow, the lines as even as possible (GB/T 9704 7.2.3).

    "回行时，要做到词意完整，排列对称": of the break points that leave both lines within the 2号 line
    (20 characters), the most even one wins; a title with none is left to the word processor.
    """
    if display_width(title) <= TITLE_CHARS:
        return [title]
    best: tuple[float, int] | None = None
    for pattern in _TITLE_BREAKS:
        for match in pattern.finditer(title):
            at = match.end()
            first, second = display_width(title[:at]), display_width(title[at:])
            if 0 < at < len(title) and max(first, second) <= TITLE_CHARS:
                score = abs(first - second)
                if best is None or score < best[0]:
                    best = (score, at)
    if best is None:
        return [title]
    return [title[: best[1]], title[best[1] :]]


def _page_number_footer(footer: object, *, odd: bool) -> None:
    """Write "— N —" with a PAGE field, 4号 宋体, one character in from the right (odd) or left (even)."""
    paragraph: Paragraph = footer.paragraphs[0]  # type: ignore[attr-defined]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    one = int(PAGE_NUMBER_PT * 20)  # one 4号 character, in twips
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLine"), "0")
    ind.set(qn("w:firstLineChars"), "0")
    ind.set(qn("w:right" if odd else "w:left"), str(one))
    _run(paragraph, "— ", PAGE_NUMBER_FONT, PAGE_NUMBER_PT, condensed=False)
    # A PAGE field: begin, the instruction, separate, the shown number (updated by Word), end.
    for tag, kind in (("w:fldChar", "begin"), ("w:instrText", " PAGE "), ("w:fldChar", "separate")):
        run = paragraph.add_run()
        _fonts(run._r.get_or_add_rPr(), PAGE_NUMBER_FONT, PAGE_NUMBER_PT)
        node = OxmlElement(tag)
        if tag == "w:fldChar":
            node.set(qn("w:fldCharType"), kind)
        else:
            node.set(qn("xml:space"), "preserve")
            node.text = kind
        run._r.append(node)
    _run(paragraph, "1", PAGE_NUMBER_FONT, PAGE_NUMBER_PT, condensed=False)
    end = paragraph.add_run()
    _fonts(end._r.get_or_add_rPr(), PAGE_NUMBER_FONT, PAGE_NUMBER_PT)
    node = OxmlElement("w:fldChar")
    node.set(qn("w:fldCharType"), "end")
    end._r.append(node)
    _run(paragraph, " —", PAGE_NUMBER_FONT, PAGE_NUMBER_PT, condensed=False)


def write_docx(report: ReportDocument) -> bytes:
    """Return the report as the bytes of a .docx file."""
    document = Document()
    _setup_page(document)
    _setup_styles(document)
    properties = document.core_properties
    properties.title = report.title
    properties.author = report.signature
    properties.language = "zh-CN"

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _indent(title)
    for n, line in enumerate(title_lines(report.title)):
        if n:
            title.add_run().add_break()
        _run(title, line, TITLE_FONT, TITLE_PT, condensed=False)
    _paragraph(document, first_line_chars=0)  # one empty line under the title
    addressee = _paragraph(document, first_line_chars=0)  # 主送机关 starts at the margin (7.3.2)
    _run(addressee, report.addressee, BODY_FONT, BODY_PT)
    for block in report.blocks():
        _write_block(document, block)

    _paragraph(document, first_line_chars=0)  # one empty line above the signature (7.3.5.2)
    sig_right, date_right = signature_indents(report.signature, report.date_text)
    for text, right in ((report.signature, sig_right), (report.date_text, date_right)):
        paragraph = _paragraph(document, first_line_chars=0)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _indent(paragraph, right_chars=right)
        _run(paragraph, text, BODY_FONT, BODY_PT)

    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    _page_number_footer(section.footer, odd=True)
    _page_number_footer(section.even_page_footer, odd=False)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

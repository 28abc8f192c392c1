"""HTML to plain text with block structure kept as lines."""

from __future__ import annotations

import codecs
import re

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction, Tag

from ingest.parse.clean import clean_text

DROP_TAGS = (
    "script", "style", "nav", "noscript", "template", "svg", "iframe", "select",
    "button", "head", "title", "meta", "link", "input", "textarea", "object",
)
BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd details dialog div dl dt fieldset figcaption "
    "figure footer form header hr li main ol option section summary table tbody thead tfoot "
    "tr ul caption".split()
)
PARAGRAPH_TAGS = frozenset("p h1 h2 h3 h4 h5 h6 pre".split())
CELL_TAGS = frozenset(("td", "th"))

_LINE_BREAK = "\ue000"
_PARAGRAPH_BREAK = "\ue001"
_CELL_BREAK = "\ue002"

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CELL_RUN = re.compile(r"\s*(?:\ue002\s*)+")
_BREAKS = re.compile(r"\s*[\ue000\ue001][\s\ue000\ue001]*")


def decode_html(data: str | bytes) -> str:
    """Decode HTML bytes: BOM, then strict UTF-8, then the meta charset, then cp1252."""
    if isinstance(data, str):
        return data
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace").lstrip("\ufeff")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET.search(data[:8192])
    if match:
        name = match.group(1).decode("ascii", "ignore").lower()
        if name in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"):
            name = "cp1252"  # browsers treat these labels as windows-1252
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("cp1252", errors="replace")


def parse_html(data: str | bytes) -> BeautifulSoup:
    """Parse HTML (bytes or text) into a BeautifulSoup tree with the lxml parser."""
    return BeautifulSoup(decode_html(data), "lxml")


def element_text(node: Tag) -> str:
    """Visible text of one element with block structure as lines (modifies a copy only)."""
    copy = BeautifulSoup(str(node), "lxml")
    return _tree_text(copy)


def html_to_text(html: str | bytes) -> str:
    """Visible text of a whole HTML page; drops script/style/nav, keeps blocks as lines."""
    return _tree_text(parse_html(html))


def _tree_text(soup: BeautifulSoup | Tag) -> str:
    """Mark block boundaries in the tree, then flatten and clean the text."""
    for tag in soup.find_all(DROP_TAGS):
        tag.decompose()
    for node in soup.find_all(string=lambda s: isinstance(s, (Comment, Declaration, Doctype, ProcessingInstruction))):
        node.extract()
    for tag in soup.find_all(True):
        name = tag.name
        if name == "br":
            tag.replace_with(_LINE_BREAK)
        elif name in PARAGRAPH_TAGS:
            tag.insert_before(_PARAGRAPH_BREAK)
            tag.insert_after(_PARAGRAPH_BREAK)
        elif name in CELL_TAGS:
            tag.insert_after(_CELL_BREAK)
        elif name in BLOCK_TAGS:
            tag.insert_before(_LINE_BREAK)
            tag.insert_after(_LINE_BREAK)
    return flatten_marked(soup.get_text())


def flatten_marked(text: str) -> str:
    """Turn the break markers into newlines and collapse HTML whitespace."""
    text = _WS.sub(" ", text)
    text = _CELL_RUN.sub(_CELL_BREAK, text)
    # A cell break right before a line break is just the end of a row.
    text = re.sub("\ue002(?=\\s*[\ue000\ue001])", "", text)
    text = text.replace(_CELL_BREAK, " | ")

    def _breaks(match: re.Match[str]) -> str:
        return "\n\n" if _PARAGRAPH_BREAK in match.group(0) else "\n"

    text = _BREAKS.sub(_breaks, text)
    lines = [line.strip(" |") for line in text.split("\n")]
    return clean_text("\n".join(lines)).strip()

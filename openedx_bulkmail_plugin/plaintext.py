"""
The plain-text alternative of an HTML email, for learners whose mail reader shows no HTML.

Instructors write HTML; when they leave the text body empty, this derives one that keeps
the paragraphs, list items and, above all, the links (a link's URL follows its text, since
a plain-text reader cannot click a word).
"""
import re
from html.parser import HTMLParser

BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "div", "dl", "dt", "dd", "fieldset", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol",
    "p", "pre", "section", "table", "tr", "ul",
}
INVISIBLE_TAGS = {"head", "script", "style", "template", "title"}


class _TextCollector(HTMLParser):
    """Walks the HTML once, writing text and line breaks where a reader would see them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.hidden_depth = 0
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag in INVISIBLE_TAGS:
            self.hidden_depth += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.parts)))
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in INVISIBLE_TAGS:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            self._close_link(*self.links.pop())

    def handle_data(self, data):
        if not self.hidden_depth:
            self.parts.append(data)

    def _close_link(self, href, first_part):
        href = href.strip()
        if not href or href.startswith("#"):
            return
        text = " ".join("".join(self.parts[first_part:]).split())
        if href.startswith("mailto:") and text == href[len("mailto:"):]:
            return
        if text != href:
            self.parts.append(f" ({href})" if text else href)

    def text(self):
        return "".join(self.parts)


def html_to_text(html):
    """A readable plain-text rendering of ``html``: paragraphs, list items and link URLs kept."""
    collector = _TextCollector()
    collector.feed(html or "")
    collector.close()
    lines = (" ".join(line.split()) for line in collector.text().split("\n"))
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()

"""Question HTML: the site's sanitiser plus images stored in the bank (and nowhere else)."""
from __future__ import annotations

import re

import bleach

from tinhoc.security import ALLOWED_ATTRS, ALLOWED_TAGS

# A stored image, or (between an import's preview and its apply) an embedded file waiting for its id.
IMAGE_SRC = re.compile(r"^/exams/images/(\d+|0\?f=[^\"'<>]+)$")


def _img_attr(tag, name, value):
    if name == "src":
        return bool(IMAGE_SRC.match(value or ""))
    return name in ("alt", "width", "height")


_ATTRS = dict(ALLOWED_ATTRS, img=_img_attr)


def sanitize_question_html(html) -> str:
    """`tinhoc.security.sanitize_html`'s rule, plus <img> whose src is an image of the bank."""
    return bleach.clean(str(html or ""), tags=[*ALLOWED_TAGS, "img"], attributes=_ATTRS,
                        protocols=["http", "https", "mailto"], strip=True)


def plain_to_html(text: str) -> str:
    """Plain text (or GIFT's [plain]) as safe HTML: escaped, line breaks kept."""
    from markupsafe import escape
    return "<br>".join(str(escape(line)) for line in (text or "").split("\n"))


def html_to_plain(html: str) -> str:
    """For search and for formats without HTML: tags dropped, entities decoded."""
    import html as _html
    return _html.unescape(re.sub(r"<[^>]+>", " ", html or "")).strip()

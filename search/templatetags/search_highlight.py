"""{{ text|highlight:terms }}: the text escaped, each occurrence of a term in <mark>. Never |safe on
what a user wrote: every piece goes through escape/format_html, only the <mark> tags are ours."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def highlight(text, terms) -> SafeString:
    text = "" if text is None else str(text)
    terms = sorted({term for term in terms or () if term}, key=len, reverse=True)  # the longest match wins
    if not terms or not text:
        return escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    pieces, at = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[at:match.start()]))
        pieces.append(format_html("<mark>{}</mark>", match.group()))
        at = match.end()
    pieces.append(escape(text[at:]))
    return mark_safe("".join(pieces))  # every piece above is escaped already

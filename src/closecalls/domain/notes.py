"""Rich-text notes: `note` and `note_html` derived from each other as Close documents."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

BLOCK_TAGS = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "hr", "pre", "blockquote"}
)


def derive_note_html(note: str) -> str:
    """Close's rule: escape the text, newlines become `<br />`, inside `<body></body>`."""
    escaped = html.escape(note).replace("\r\n", "\n").replace("\n", "<br />")
    return f"<body>{escaped}</body>"


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "br" or tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            # Source whitespace is layout, as in a browser; line breaks come from tags.
            self.parts.append(re.sub(r"\s+", " ", data))


def derive_note(note_html: str) -> str:
    """A plain-text rendering of rich text: tags dropped, blocks and `<br>` as newlines."""
    extractor = _TextExtractor()
    extractor.feed(note_html)
    extractor.close()
    text = "".join(extractor.parts)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def resolve_notes(
    cleaned: Mapping[str, Any], text_key: str = "note", html_key: str = "note_html"
) -> dict[str, str | None]:
    """Setting one of `note`/`note_html` overwrites the other; `note_html` wins when both come.

    Other rich-text pairs (a meeting's `user_note`/`user_note_html`) follow the same rule.
    """
    if html_key in cleaned:
        note_html = cleaned[html_key]
        return {
            text_key: None if note_html is None else derive_note(note_html),
            html_key: note_html,
        }
    if text_key in cleaned:
        note = cleaned[text_key]
        return {text_key: note, html_key: None if note is None else _note_to_html(note)}
    return {}


def _note_to_html(note: str) -> str:
    return "" if note == "" else derive_note_html(note)

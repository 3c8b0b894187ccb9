"""What a cassette must not hold: credentials always; phones, emails and names on request."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from closecalls.parity.exchange import Answer, Exchange, Message, Request

# Secrets that travel in bodies (OAuth, webhook signing keys): never written to a cassette.
SECRET_FIELDS = frozenset({
    "api_key", "password", "client_secret", "access_token", "refresh_token", "signature_key",
    "secret", "token", "code",
})  # fmt: skip
NAME_FIELDS = frozenset({
    "name", "first_name", "last_name", "display_name", "contact_name", "lead_name",
    "user_name", "created_by_name", "updated_by_name",
})  # fmt: skip
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
WORD = re.compile(r"\w+")
REDACTED = "[redacted]"


class Redactor:
    """Replaces each value consistently, so a redacted session still replays coherently.

    The same email, phone or name word always becomes the same stand-in, in requests and
    answers alike, so what the server derives (display names, formatted phones) still agrees.
    """

    def __init__(self, *, personal: bool) -> None:
        self.personal = personal
        self._emails: dict[str, str] = {}
        self._words: dict[str, str] = {}
        self._phones: dict[str, str] = {}

    def exchange(self, exchange: Exchange) -> Exchange:
        request = exchange.request
        redacted = Request(
            method=request.method,
            path=self._text(request.path),
            query=self._query(request.query),
            headers=dict(request.headers),
        )
        self._message(
            request, redacted, form="form-urlencoded" in request.headers.get("content-type", "")
        )
        local = None if exchange.local is None else self._answer(exchange.local)
        return Exchange(
            request=redacted, upstream=self._answer(exchange.upstream), local=local, at=exchange.at
        )

    def _answer(self, answer: Answer) -> Answer:
        copy = Answer(status=answer.status, headers=dict(answer.headers))
        self._message(answer, copy, form=False)
        return copy

    def _message(self, source: Message, target: Message, *, form: bool) -> None:
        target.body = self._value(None, source.body)
        if source.text is None:
            target.text = None
        elif form:
            target.text = self._query(source.text)
        else:
            target.text = self._text(source.text)

    def _query(self, query: str) -> str:
        if not query:
            return query
        pairs = parse_qsl(query, keep_blank_values=True)
        return urlencode([(key, self._value(key, value)) for key, value in pairs])

    def _value(self, key: str | None, value: Any) -> Any:
        if isinstance(value, dict):
            return {name: self._value(name, item) for name, item in value.items()}
        if isinstance(value, list):
            return [self._value(key, item) for item in value]
        if not isinstance(value, str):
            return value
        if key in SECRET_FIELDS:
            return REDACTED
        if not self.personal:
            return value
        if key is not None and "phone" in key:
            return self._phone(value)
        if key in NAME_FIELDS:
            return WORD.sub(lambda word: self._word(word.group(0)), value)
        return self._text(value)

    def _text(self, text: str) -> str:
        if not self.personal:
            return text
        return EMAIL.sub(lambda found: self._email(found.group(0)), text)

    def _email(self, email: str) -> str:
        key = email.lower()
        return self._emails.setdefault(key, f"person{len(self._emails) + 1}@example.com")

    def _word(self, word: str) -> str:
        if word.isdigit():
            return word
        return self._words.setdefault(word.lower(), f"Name{len(self._words) + 1}")

    def _phone(self, phone: str) -> str:
        """The last four digits replaced, keyed by the last seven, in place of the formatting.

        `+16505551234`, `+1 650-555-1234` and `(650) 555-1234` share their last seven digits,
        so all three get the same stand-in and the number stays valid for its country.
        """
        digits = re.sub(r"\D", "", phone)
        if len(digits) < 7:
            return phone
        stand_in = self._phones.setdefault(digits[-7:], f"{len(self._phones) + 1:04d}"[-4:])
        replaced, todo = list(phone), list(stand_in)
        for index in range(len(replaced) - 1, -1, -1):
            if not todo:
                break
            if replaced[index].isdigit():
                replaced[index] = todo.pop()
        return "".join(replaced)

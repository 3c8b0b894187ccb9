"""Redaction: credentials always, personal data on request, each value replaced consistently."""

from __future__ import annotations

from closecalls.parity.exchange import Answer, Exchange, Request
from closecalls.parity.redact import Redactor


def exchange(body: object, answer: object, query: str = "") -> Exchange:
    return Exchange(request=Request(body=body, method="POST", path="contact/", query=query),
                    upstream=Answer(body=answer), at="2026-01-09T14:35:08+00:00")  # fmt: skip


def test_secrets_in_bodies_are_never_kept() -> None:
    redacted = Redactor(personal=False).exchange(
        exchange({"client_secret": "s3", "name": "Ann"}, {"signature_key": "k", "x": 1})
    )
    assert redacted.request.body == {"client_secret": "[redacted]", "name": "Ann"}
    assert redacted.upstream.body == {"signature_key": "[redacted]", "x": 1}


def test_phones_emails_and_names_become_consistent_stand_ins() -> None:
    redactor = Redactor(personal=True)
    first = redactor.exchange(exchange(
        {"name": "Jane Doe", "phones": [{"phone": "+16505551234"}], "note": "mail jane@acme.io"},
        {"display_name": "Jane Doe", "phones": [{"phone": "+16505551234",
                                                 "phone_formatted": "+1 650-555-1234"}]},
        query="email=jane@acme.io&first_name=Jane",
    ))  # fmt: skip
    assert first.request.body == {
        "name": "Name1 Name2", "phones": [{"phone": "+16505550001"}],
        "note": "mail person1@example.com",
    }  # fmt: skip
    assert first.upstream.body == {"display_name": "Name1 Name2", "phones": [
        {"phone": "+16505550001", "phone_formatted": "+1 650-555-0001"}]}  # fmt: skip
    assert first.request.query == "email=person1%40example.com&first_name=Name1"
    second = redactor.exchange(exchange({"phone": "(650) 555-1234", "last_name": "Doe"}, {}))
    assert second.request.body == {"phone": "(650) 555-0001", "last_name": "Name2"}

"""A projected page is what projecting each document alone gives, key order included."""

from __future__ import annotations

import msgspec
import pytest

from closecalls.api.listing import list_response, project_document
from closecalls.domain.projection import parse_fields
from closecalls.http.responses import encode_json

DOCUMENTS = [
    {"id": "acti_1", "_type": "Call", "duration": 12, "note": "a", "custom.cf_x": 1,
     "recording_transcript": None},
    {"id": "acti_2", "_type": "Call", "duration": None, "note": "b"},
    {"id": "acti_3", "_type": "Meeting", "title": "t", "transcripts": [{"text": "hi"}]},
    {"id": "acti_4", "_type": "Meeting", "title": "u"},
    {"id": "acti_5", "_type": "Email", "subject": "s", "a key": {"nested": [1, 2]}},
    {"id": "acti_6", "duration": 3},  # no `_type`: no optional keys
]  # fmt: skip


@pytest.mark.parametrize(
    "fields",
    ["id,duration", "duration,id", "_type,id", "id,_type,note,missing", "transcripts,title",
     "recording_transcript,voicemail_transcript,id", "a key,subject", "custom.cf_x,id",
     "custom,id", "_all", "missing", "f0,f1,id", 'id,a"b,c\\d', "a\x01b,id"],
)  # fmt: skip
def test_a_page_projects_each_document_as_alone(fields: str) -> None:
    selection = parse_fields(fields)
    assert selection is not None
    documents = [encode_json(document) for document in DOCUMENTS]
    page = list_response(documents, True, selection)
    alone = [project_document(document, selection) for document in documents]
    assert page.body == encode_json({"data": alone, "has_more": True})
    assert list(msgspec.json.decode(page.body)["data"][0]) == list(alone[0])

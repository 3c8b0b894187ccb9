"""A condition on a JSON document's text, for the rare writes that must find every object
holding a value (a renamed status, a deleted custom field) and for email lookups.

SQLite compares a BLOB with LIKE only once it is cast to text; PostgreSQL decodes its bytea.
Both fold ASCII case, so matches are a superset that the caller re-checks on the decoded
document.
"""

from __future__ import annotations

UPDATE_DOCUMENT = "UPDATE crm_object SET document = ? WHERE id = ? AND organization_id = ?"
SQLITE = "CAST(document AS TEXT) LIKE ?"
POSTGRESQL = "convert_from(document, 'UTF8') ILIKE ?"


def document_like(numbered: bool) -> str:
    """The condition for the dialect (`Dialect.numbered` is PostgreSQL's)."""
    return POSTGRESQL if numbered else SQLITE


def holding(text: str) -> str:
    """A LIKE pattern for documents whose encoded JSON contains `text`."""
    return f"%{text}%"

"""`_fields`: which keys of an object a response carries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ALL = "_all"
CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class FieldSelection:
    """Requested keys, or every key including optional ones (`_all`)."""

    names: tuple[str, ...]
    everything: bool = False

    def apply(self, document: Mapping[str, Any], optional: Iterable[str]) -> dict[str, Any]:
        """Project a document; known keys asked for are present even when null."""
        known = {**document, **{name: None for name in optional if name not in document}}
        if self.everything:
            return known
        chosen = {name: known[name] for name in self.names if name in known}
        if CUSTOM in self.names:
            # Close's `_fields=custom` asks for every `custom.cf_…` value the object has.
            chosen.update({key: value for key, value in document.items()
                           if key.startswith(CUSTOM + ".")})  # fmt: skip
        return chosen


def parse_fields(raw: str | None) -> FieldSelection | None:
    """None when the full default object is wanted; unknown names are ignored later."""
    if raw is None or raw.strip() == "":
        return None
    names = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    return FieldSelection(names, everything=ALL in names)

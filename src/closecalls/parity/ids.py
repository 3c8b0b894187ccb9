"""Which upstream id is which local id: learnt from answers, applied to requests."""

from __future__ import annotations

import re
from typing import Any

# Close's ids: a lowercase kind, an underscore and at least 20 base62 characters.
WHOLE_ID = re.compile(r"^([a-z]+)_[0-9A-Za-z]{20,}$")
ANY_ID = re.compile(r"\b[a-z]+_[0-9A-Za-z]{20,}\b")
# Two organizations' own users and names differ just as their ids do, so they are paired too.
ACCOUNT_NAMES = frozenset({"created_by_name", "updated_by_name", "user_name"})
ACCOUNT_FIELDS = {"user": ("first_name", "last_name", "display_name", "email"), "orga": ("name",)}


def id_kind(value: Any) -> str | None:
    """The kind (`lead`, `acti`, ...) of a value that is an id, else None."""
    match = WHOLE_ID.match(value) if isinstance(value, str) else None
    return match.group(1) if match else None


class IdMap:
    """A one-to-one mapping of upstream ids to the local ids of the same objects."""

    def __init__(self) -> None:
        self.to_local: dict[str, str] = {}
        self._to_upstream: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._named: set[str] = set()

    def learn(self, upstream: Any, local: Any) -> None:
        """Pair the ids found at the same places of an upstream and a local answer."""
        if isinstance(upstream, dict) and isinstance(local, dict):
            kind = id_kind(upstream.get("id"))
            names = ACCOUNT_NAMES.union(ACCOUNT_FIELDS.get(kind or "", ()))
            for key in upstream.keys() & local.keys():
                if key in names:
                    self._learn_name(upstream[key], local[key])
                self.learn(upstream[key], local[key])
        elif isinstance(upstream, list) and isinstance(local, list):
            for upstream_item, local_item in zip(upstream, local, strict=False):
                self.learn(upstream_item, local_item)
        elif (
            id_kind(upstream) is not None
            and id_kind(upstream) == id_kind(local)
            and upstream not in self.to_local
            and local not in self._to_upstream
        ):
            self.to_local[upstream] = local
            self._to_upstream[local] = upstream

    def _learn_name(self, upstream: Any, local: Any) -> None:
        if not (isinstance(upstream, str) and isinstance(local, str)):
            return
        if upstream not in self._names and local not in self._named:
            self._names[upstream] = local
            self._named.add(local)

    def same(self, upstream: str, local: str) -> bool:
        """Whether the two strings say the same once upstream ids and names are read as local."""
        return self.translate_text(upstream) == local or self._names.get(upstream) == local

    def translate_text(self, text: str) -> str:
        """Upstream ids anywhere in a path, query string or text, as their local ids."""
        return ANY_ID.sub(lambda found: self.to_local.get(found.group(0), found.group(0)), text)

    def translate(self, value: Any) -> Any:
        """A decoded JSON value with every known upstream id replaced by its local id."""
        if isinstance(value, dict):
            return {self.translate_text(k): self.translate(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.translate(item) for item in value]
        if isinstance(value, str):
            return self.translate_text(value)
        return value

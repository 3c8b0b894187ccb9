"""The parity report: per endpoint the share of identical exchanges, and every difference."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from closecalls.parity.compare import Difference
from closecalls.parity.exchange import Exchange
from closecalls.parity.ids import ANY_ID


def endpoint(path: str) -> str:
    """The path with its ids as `{id}`: `activity/call/{id}/`."""
    return "/" + ANY_ID.sub("{id}", path.lstrip("/"))


class Report:
    """Exchanges counted per method and endpoint; the differing ones kept whole."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], list[int]] = {}
        self.differing: list[dict[str, Any]] = []

    def add(self, exchange: Exchange, differences: list[Difference]) -> None:
        key = (exchange.request.method, endpoint(exchange.request.path))
        counts = self._counts.setdefault(key, [0, 0])
        counts[0] += 1
        if not differences:
            counts[1] += 1
            return
        self.differing.append({
            "number": sum(total for total, _ in self._counts.values()),
            "method": key[0], "endpoint": key[1], "at": exchange.at,
            "request": asdict(exchange.request), "upstream": asdict(exchange.upstream),
            "local": None if exchange.local is None else asdict(exchange.local),
            "differences": [asdict(difference) for difference in differences],
        })  # fmt: skip

    @property
    def exchanges(self) -> int:
        return sum(total for total, _ in self._counts.values())

    @property
    def identical(self) -> int:
        return sum(same for _, same in self._counts.values())

    def document(self) -> dict[str, Any]:
        """The report as JSON: a summary, the endpoints and the differing exchanges."""
        return {
            "exchanges": self.exchanges,
            "identical": self.identical,
            "share_identical": _share(self.identical, self.exchanges),
            "endpoints": [
                {"method": method, "endpoint": path, "exchanges": total, "identical": same,
                 "share_identical": _share(same, total)}
                for (method, path), (total, same) in sorted(self._counts.items(),
                                                             key=lambda item: item[0][::-1])
            ],
            "differences": self.differing,
        }  # fmt: skip

    def summary(self) -> str:
        """One line per endpoint, then the total: for a terminal."""
        lines = [
            f"{row['method']:<7} {row['endpoint']:<40} {row['identical']:>5}/{row['exchanges']:<5}"
            f" {row['share_identical']:>7.1%}"
            for row in self.document()["endpoints"]
        ]
        lines.append(f"{self.identical} of {self.exchanges} exchanges identical "
                     f"({_share(self.identical, self.exchanges):.1%}); "
                     f"{len(self.differing)} differ")  # fmt: skip
        return "\n".join(lines)


def _share(part: int, whole: int) -> float:
    return 1.0 if whole == 0 else part / whole

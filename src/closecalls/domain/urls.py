"""What a stored URL may be: a web address a reader can follow safely, nothing executable."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from closecalls.domain import errors

WEB_SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2048
CREDENTIALS = "URLs with a user name or password (user:password@host) are not allowed."
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_DNS_NAME = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}", re.ASCII)
# Unicode categories no URL may hold anywhere: controls, format characters (bidirectional
# overrides, zero-width joiners), separators and unassigned code points. `str.isprintable`
# is false for exactly these but the ASCII space, in one C loop instead of a lookup a
# character (tests/domain/test_urls.py holds the two to each other over every code point).
INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})


def schemes_problem(schemes: tuple[str, ...]) -> str:
    """cleancat's message for a scheme outside `schemes`."""
    allowed = " or ".join(f"{scheme}://" for scheme in schemes)
    return f"This URL uses a scheme that's not allowed. You can only use {allowed}."


def web_url(text: str, *, schemes: tuple[str, ...] = WEB_SCHEMES) -> SplitResult:
    """The URL's parts if it is an absolute URL on `schemes` with a sound host, else ValueError.

    The error's message is what the client sees.
    """
    if len(text) > MAX_URL_LENGTH:
        raise ValueError(f"The URL must not be longer than {MAX_URL_LENGTH} characters.")
    if not text.isprintable() or " " in text:
        raise ValueError(errors.BAD_URL)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError(errors.BAD_URL) from None
    if parts.scheme and parts.scheme.lower() not in schemes:
        raise ValueError(schemes_problem(schemes))
    if not parts.scheme or not parts.netloc:
        raise ValueError(errors.BAD_URL)
    if "@" in parts.netloc:  # a user name, a password, or both (perhaps empty)
        raise ValueError(CREDENTIALS)
    if port == 0 or parts.netloc.endswith(":") or not _host_is_sound(parts.hostname or ""):
        raise ValueError(errors.BAD_URL)
    return parts


def _host_is_sound(host: str) -> bool:
    """An IP address, or a DNS name whose labels (after IDNA) are letters, digits and hyphens."""
    if not host:
        return False
    # Only these can be an address (IPv6 has colons, IPv4 ends in a decimal octet); trying
    # every name first cost more than the rest of the check.
    if ":" in host or host[-1].isdigit():
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return True
    name = host.rstrip(".")
    if not name.isascii():
        # IDNA leaves an ASCII name as it is (its empty or long labels fail the pattern too).
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    return _DNS_NAME.fullmatch(name) is not None and len(name) <= 253

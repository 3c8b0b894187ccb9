"""What a stored URL may be: a web address a reader can follow safely, nothing executable."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import SplitResult, urlsplit

from closecalls.domain import errors

WEB_SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2048
CREDENTIALS = "URLs with a user name or password (user:password@host) are not allowed."
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?", re.ASCII)
# Unicode categories no URL may hold anywhere: controls, format characters (bidirectional
# overrides, zero-width joiners), separators and unassigned code points.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})


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
    if any(unicodedata.category(char) in _INVISIBLE for char in text):
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
    if parts.username is not None or parts.password is not None:
        raise ValueError(CREDENTIALS)
    if port == 0 or parts.netloc.endswith(":") or not _host_is_sound(parts.hostname or ""):
        raise ValueError(errors.BAD_URL)
    return parts


def _host_is_sound(host: str) -> bool:
    """An IP address, or a DNS name whose labels (after IDNA) are letters, digits and hyphens."""
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True
    try:
        ascii_host = host.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.split(".")
    return all(_LABEL.fullmatch(label) for label in labels) and len(ascii_host) <= 253

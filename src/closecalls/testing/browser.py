"""Headless Chromium for the web UI's tests: the system's browser, driven by Playwright."""

from __future__ import annotations

import os
import shutil
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str:
    """CLOSECALLS_CHROMIUM, else the first Chromium on PATH (Debian's `chromium` package)."""
    configured = os.environ.get("CLOSECALLS_CHROMIUM")
    if configured:
        return configured
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("no Chromium found: install your distribution's chromium package")


def launch(playwright: Any) -> Any:
    """A headless browser; no sandbox, since tests may run as root in a container."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=["--no-sandbox"]
    )


def sign_in(page: Any, url: str, secret: str, *, kind: str = "key") -> None:
    """Sign in through the form, as a person would."""
    page.goto(url + "/")
    page.get_by_label("Sign in with").select_option(kind)
    page.get_by_label("Key or token").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    # Signed in (the sign-out button shows) or refused (an alert): no navigation races it.
    page.locator("#signout:visible, [role=alert]").first.wait_for()

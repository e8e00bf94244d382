"""What the browser tests share: Debian's Chromium, the two screen sizes, a real ``msix serve`` of a
test's hub on a free port, screenshots. The ``browser`` fixture itself is in this package's conftest."""

from __future__ import annotations

import shutil
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Page

from tests.integration.conftest import Hub
from tests.integration.web.conftest import screenshots_dir

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}


def chromium_path() -> str:
    """Debian's Chromium: the binary itself when present (the /usr/bin script only adds flags)."""
    for candidate in ("/usr/lib/chromium/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    raise AssertionError("Chromium is missing: run `make setup` as root (it installs Debian's chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(hub: Hub) -> Iterator[str]:
    """Run the real ``msix serve`` on the hub until the caller is done; yields its base URL."""
    port = free_port()
    proc = hub.spawn("serve", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                break
        except OSError:
            assert proc.poll() is None, hub.output(proc)
            assert time.monotonic() < deadline, "msix serve did not answer within 60 s"
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def shot(page: Page, size: str, name: str) -> None:
    page.screenshot(path=str(screenshots_dir() / f"{size}-{name}.png"), full_page=True)


def no_sideways_scroll(page: Page) -> None:
    """The page itself fits the screen; only tables scroll inside their own region."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

"""A real headless browser for the report tests: Debian's chromium, driven from its command
line (--dump-dom, --screenshot). The lightest driver that does the job: the DOM after the
page has loaded and run whatever it could run, and the pixels it painted; no WebDriver, no
DevTools client.

The project's set-up installs it (`.ci/chromium`, run by `make test`); $CHAFF_CHROMIUM
points at another binary. A missing browser fails these tests with that instruction: it is
never a skip.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM = os.environ.get("CHAFF_CHROMIUM", "/usr/bin/chromium")
# Time the page gets to run timers, image error handlers and loads, in virtual time.
_BUDGET_MS = "3000"


def chromium() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"no chromium at {CHROMIUM}: run .ci/chromium (make test does) to install "
            "Debian's chromium, or set CHAFF_CHROMIUM",
            pytrace=False,
        )
    return CHROMIUM


def _run(page: Path, profile: Path, *arguments: str) -> subprocess.CompletedProcess[bytes]:
    command = [
        chromium(),
        "--headless",
        # Test machines are often containers: as root chromium refuses its sandbox, and
        # without user namespaces it has none; a small /dev/shm crashes its renderer.
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--virtual-time-budget={_BUDGET_MS}",
        *arguments,
        page.resolve().as_uri(),
    ]
    return subprocess.run(command, capture_output=True, timeout=120, check=False)


def dump_dom(page: Path, profile: Path) -> str:
    """The DOM as chromium holds it once the page has loaded and run what it could."""
    done = _run(page, profile, "--dump-dom")
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout.decode("utf-8")


def screenshot(
    page: Path, profile: Path, out: Path, width: int = 1280, height: int = 2400
) -> Image.Image:
    done = _run(page, profile, f"--screenshot={out}", f"--window-size={width},{height}")
    assert done.returncode == 0 and out.exists(), done.stderr.decode(errors="replace")[-2000:]
    image = Image.open(out).convert("RGB")
    assert image.size == (width, height)
    return image


def pixels_near(image: Image.Image, colour: str, tolerance: int = 6) -> int:
    """How many pixels are within `tolerance` of `colour` ("#rrggbb") in every channel."""
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    distance = np.abs(np.asarray(image, dtype=np.int16) - target).max(axis=2)
    return int((distance <= tolerance).sum())


def ink_share(image: Image.Image) -> float:
    """The share of dark pixels (text): 0 for a blank or single-colour page."""
    grey = np.asarray(image.convert("L"))
    return float((grey < 110).mean())


@dataclass
class Beacon:
    """A local HTTP server that counts the requests a page makes to it."""

    url: str
    paths: list[str] = field(default_factory=list)


@contextmanager
def beacon() -> Iterator[Beacon]:
    found = Beacon("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found.paths.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"seen")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()

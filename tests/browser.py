"""Headless Debian Chromium for the browser tests, driven by Playwright's Python package.

Playwright's own browser download cannot run here, so it drives the system `chromium`; the
flags keep Chromium from reaching out to the network on its own.
"""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def launch(playwright):  # -> playwright.sync_api.Browser
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

"""A person's session in Chromium for the journeys of PRODUCT.md §3.

`Journey` wraps one browser context and watches everything the pages do: a hostile
value must never run (an XSS trap on `window.__xss`, dialogs), our pages must not
break their own Content Security Policy, throw, or answer 5xx. `shot()` checks all
of that and saves a full-page screenshot for the CI artifacts.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import ROOT

PASSWORD = "matkhau-thu-nghiem"  # noqa: S105 - the test factories' password

# Each sets window.__xss if it ever runs; typed into every free-text field.
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_SVG = '"><svg onload=window.__xss=1>'
XSS = f"{XSS_IMG} {XSS_SCRIPT} {XSS_SVG}"

# Runs in every frame before the page's own scripts: whatever sets window.__xss
# also leaves a console line, so a payload that ran on a page nobody checked, or
# in a frame, is still caught.
XSS_TRAP = """
(() => {
  let value;
  Object.defineProperty(window, "__xss", {
    configurable: false,
    get() { return value; },
    set(v) { value = v; console.error("__XSS_EXECUTED__ " + location.href); },
  });
})();
"""


def artifacts_dir() -> Path:
    """Where screenshots go: $ARTIFACTS_DIR, else var/artifacts/screenshots."""
    folder = Path(
        os.environ.get("ARTIFACTS_DIR") or ROOT / "var" / "artifacts" / "screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Journey:
    """One person in one browser context, with the checks every step runs."""

    def __init__(self, browser, base_url: str, name: str, **context_options) -> None:
        self.base = base_url.rstrip("/")
        self.name = name
        self.step = 0
        self.xss_runs: list[str] = []
        self.dialogs: list[str] = []
        self.csp_violations: list[str] = []
        self.page_errors: list[str] = []
        self.server_errors: list[str] = []
        self.context = browser.new_context(locale="vi-VN", **context_options)
        self.context.add_init_script(XSS_TRAP)
        self.context.on("console", self._console)
        self.context.on("dialog", self._dialog)
        self.context.on("weberror", self._web_error)
        self.context.on("response", self._response)
        # Generous: CI machines are shared, and a slow step is not a failure.
        self.context.set_default_timeout(60_000)
        self.page = self.context.new_page()

    # --- listeners ------------------------------------------------------------------
    def _ours(self, url: str | None) -> bool:
        return bool(url) and url.startswith(self.base)

    def _console(self, message) -> None:
        text = message.text
        if "__XSS_EXECUTED__" in text:
            self.xss_runs.append(text)
            return
        url = message.location.get("url") or (message.page.url if message.page else "")
        if "Content Security Policy" in text and self._ours(url):
            self.csp_violations.append(f"{url}: {text}")

    def _dialog(self, dialog) -> None:
        if dialog.type == "beforeunload":  # leaving JupyterLab: not a payload
            dialog.accept()
            return
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _web_error(self, error) -> None:
        page = error.page
        if page is None or self._ours(page.url):
            self.page_errors.append(str(error.error))

    def _response(self, response) -> None:
        if response.status >= 500 and self._ours(response.url):
            self.server_errors.append(f"{response.status} {response.url}")

    # --- steps ----------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def goto(self, path: str):
        return self.page.goto(self.url(path))

    def assert_clean(self, page=None) -> None:
        page = page or self.page
        assert not page.evaluate("window.__xss"), f"XSS ran on {page.url}"
        assert not self.xss_runs, self.xss_runs
        assert not self.dialogs, self.dialogs
        assert not self.csp_violations, self.csp_violations
        assert not self.page_errors, self.page_errors
        assert not self.server_errors, self.server_errors
        if self._ours(page.url) and not urlsplit(page.url).path.startswith(
            ("/admin/", "/django-admin/")
        ):
            assert page.locator("html").get_attribute("lang") == "vi", page.url

    def shot(self, step: str, page=None) -> None:
        """Check the page is clean, then save `<journey>-<nn>-<step>.png`."""
        page = page or self.page
        page.wait_for_load_state()
        self.assert_clean(page)
        self.step += 1
        path = artifacts_dir() / f"{self.name}-{self.step:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)

    def sign_in(self, username: str, *, next_path: str = "/", totp: str = "") -> None:
        """Sign in through the form (Enter in the password field: the header's
        language switch is the page's first submit button); `totp` is the secret of
        staff who must give a second factor."""
        from playwright.sync_api import expect

        page = self.page
        page.goto(self.url(f"/accounts/login/?next={next_path}"))
        expect(page.locator("main h1")).to_contain_text("Đăng nhập")
        page.fill("input[name=login]", username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("input[name=password]").press("Enter")
        page.wait_for_load_state()
        if totp:
            self._second_factor(totp)
        expect(page).not_to_have_url(re.compile(r"/accounts/(login|2fa)/"))

    def _second_factor(self, secret: str) -> None:
        """The authenticator-app step. allauth accepts a code once: if this user
        already used the current one (an earlier test), give the next step's."""
        from playwright.sync_api import expect

        page = self.page
        expect(page.locator("input[name=code]")).to_be_visible()
        self.shot("ma-xac-thuc")
        for offset in (0, 1):
            page.fill("input[name=code]", _totp(secret, offset))
            page.locator("input[name=code]").press("Enter")
            page.wait_for_load_state()
            if "/accounts/2fa/authenticate" not in page.url:
                return
        raise AssertionError("the authenticator code was refused")

    def close(self) -> None:
        self.assert_clean()
        self.context.close()


def contrast_ratio(locator) -> float:
    """WCAG contrast between an element's text and its own background colour."""
    colours = locator.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )

    def luminance(css: str) -> float:
        channels = [int(v) / 255 for v in re.findall(r"\d+", css)[:3]]
        linear = [
            c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
            for c in channels
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(c) for c in colours), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _totp(secret: str, offset: int) -> str:
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    step = int(time.time()) // app_settings.TOTP_PERIOD + offset
    return format_hotp_value(hotp_value(secret, step))


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")

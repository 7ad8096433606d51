"""A headless Chromium driven over the DevTools protocol on a pipe, with the standard library only.

`--remote-debugging-pipe` makes the browser read JSON commands, each ending in a NUL byte,
on its file descriptor 3 and answer on 4: no port, no websocket, nothing to install. The
tests ask it for what a reader sees: the page at a given width (a phone is emulated as
one, with touch and its device-width viewport), whether the body scrolls sideways, what the
console said, which network requests the page made, and a screenshot.

`find_browser()` gives the executable or None (the browser tests skip, naming what to install).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 60.0  # seconds for any one answer: a shared CI machine can be slow to start a browser
INSTALL = "install Chromium to run them (Debian: apt-get install chromium)"


def find_browser() -> str | None:
    found = os.environ.get("AMMT_CALC_BROWSER")
    return found or next((path for path in map(shutil.which, NAMES) if path), None)


class Browser:
    """One browser process; `open(url, width)` gives a `Tab`. Use as a context manager."""

    def __init__(self, executable: str):
        self.profile = tempfile.TemporaryDirectory(prefix="ammt-calc-browser-")
        to_browser, commands = os.pipe()
        answers, from_browser = os.pipe()

        def on_fds_3_and_4() -> None:  # in the child, before exec: the protocol's descriptors
            a = fcntl.fcntl(to_browser, fcntl.F_DUPFD, 10)  # above 4 first: the dup2s cannot clobber them
            b = fcntl.fcntl(from_browser, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--remote-debugging-pipe",
             f"--user-data-dir={self.profile.name}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=on_fds_3_and_4, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_browser)
        os.close(from_browser)
        self.commands, self.answers = commands, answers
        self.pending = b""
        self.last_id = 0
        self.events: list[dict] = []

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (OSError, EOFError, TimeoutError, RuntimeError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self.commands, self.answers):
            try:
                os.close(fd)
            except OSError:
                pass
        self.profile.cleanup()

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.last_id += 1
        message = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._receive()
            if answer.get("id") == message["id"]:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
            self.events.append(answer)

    def wait_for(self, method: str, session: str) -> None:
        while not any(e.get("method") == method and e.get("sessionId") == session for e in self.events):
            self.events.append(self._receive())

    def _receive(self) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.answers], [], [], left)[0]:
                raise TimeoutError(f"the browser did not answer within {TIMEOUT:g} s")
            chunk = os.read(self.answers, 1 << 20)
            if not chunk:
                raise EOFError("the browser closed its pipe")
            self.pending += chunk
        raw, _, self.pending = self.pending.partition(b"\0")
        return json.loads(raw)

    def open(self, url: str, width: int, height: int = 900) -> Tab:
        """A new tab of `width` CSS pixels (a phone below 500: mobile viewport and touch) at `url`, loaded."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Page", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": width < 500}, session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session)
        return Tab(self, session)


class Tab:
    def __init__(self, browser: Browser, session: str):
        self.browser, self.session = browser, session

    def evaluate(self, expression: str):
        result = self.browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                                   session=self.session)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def screenshot(self, path: Path, whole: bool = True) -> None:
        """The whole page, or (whole=False) its first screenful."""
        shot = self.browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": whole},
                                 session=self.session)
        Path(path).write_bytes(base64.b64decode(shot["data"]))

    def _events(self, *methods: str) -> list[dict]:
        return [e["params"] for e in self.browser.events if e.get("sessionId") == self.session
                and e.get("method") in methods]

    def console_problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, and the browser's own error log
        (a resource that failed to load, a blocked request)."""
        problems = [f"console.{p['type']}: " + " ".join(str(a.get("value", a.get("description", "")))
                                                         for a in p["args"])
                    for p in self._events("Runtime.consoleAPICalled") if p["type"] in ("error", "warning", "assert")]
        problems += [f"exception: {p['exceptionDetails'].get('text')}" for p in self._events("Runtime.exceptionThrown")]
        problems += [f"log {p['entry']['level']}: {p['entry']['text']}" for p in self._events("Log.entryAdded")
                     if p["entry"]["level"] in ("error", "warning")]
        return problems

    def requests(self) -> list[str]:
        """The URLs the page asked for (itself included)."""
        return [p["request"]["url"] for p in self._events("Network.requestWillBeSent")]


if __name__ == "__main__":  # python tests/browser.py PAGE.html PREFIX: the docs' screenshots, PREFIX-1280.png and -390.png
    import sys

    page, prefix = Path(sys.argv[1]).resolve(), sys.argv[2]
    with Browser(find_browser()) as browser:
        for width in (1280, 390):
            browser.open(page.as_uri(), width, height=1500).screenshot(Path(f"{prefix}-{width}.png"), whole=False)

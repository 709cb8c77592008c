"""The HTML report (`analyze --format html`): one self-contained file, rendered by a real headless
Chromium: the summary, the budget curve's SVG chart, proposals with DDL and copy buttons, findings and
N+1 bursts are in the page, its inline script runs under its own Content-Security-Policy, and the page
requests nothing from the network (every request goes through a recording proxy; a control page with
an image proves the proxy sees a page's requests)."""

from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexadvisor.cli import app
from indexadvisor.report import html as html_report

ROOT = Path(__file__).resolve().parent.parent
SAAS = ROOT / "sample_workloads" / "saas"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed (apt-get install chromium)")
# the browser's own traffic (clock, updates, accounts, dictionaries), which no page asks for
BROWSER_OWN = {"clients2.google.com", "update.googleapis.com", "accounts.google.com", "redirector.gvt1.com",
               "www.google.com", "safebrowsingohttpgateway.googleapis.com", "optimizationguide-pa.googleapis.com"}
CANARY = "canary.indexadvisor.invalid"
LOG = """\
2024-05-01 10:00:00.000 UTC [7] LOG:  duration: 0.5 ms  statement: SELECT * FROM "Project" WHERE id = 1
""" + "".join(f"2024-05-01 10:00:00.{n + 1:03d} UTC [7] LOG:  duration: 0.2 ms  statement: "
              f'SELECT * FROM "Task" WHERE "projectId" = {n}\n' for n in range(30))


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A proxy that answers every request with 404 and writes down where it was going."""

    seen: list[str] = []

    def _record(self) -> None:
        target = self.path if self.command != "CONNECT" else f"https://{self.path}"
        self.seen.append(re.sub(r"^\w+://([^/:]+).*$", r"\1", target))
        self.send_response(404)
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_CONNECT = _record

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[tuple[int, list[str]]]:
    seen: list[str] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def _chromium(page: Path, port: int, tmp_path: Path) -> str:
    """The page's DOM after its scripts ran, loaded by headless Chromium with every request through the proxy."""
    assert CHROMIUM is not None
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", f"--proxy-server=http://127.0.0.1:{port}",
         "--proxy-bypass-list=<-loopback>", "--disable-background-networking", "--virtual-time-budget=2000",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _page_requests(seen: list[str]) -> list[str]:
    return [host for host in seen if host not in BROWSER_OWN]


def _write_report(tmp_path: Path) -> Path:
    """The SaaS sample's report, with N+1 bursts from a log and a statement whose text is markup
    that would fetch the canary if it were not escaped."""
    (tmp_path / "app.log").write_text(LOG)
    (tmp_path / "markup.sql").write_text(
        f"SELECT * FROM \"Task\" WHERE title = '<img src=\"http://{CANARY}/x.png\"><script src=\"//{CANARY}/s.js\">"
        "</script>' AND \"assigneeId\" = 7;\n")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["analyze", str(SAAS), str(tmp_path / "app.log"), str(tmp_path / "markup.sql"),
                                      "--schema", str(SAAS / "schema.sql"), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_file_references_nothing_outside_itself(tmp_path: Path) -> None:
    text = _write_report(tmp_path).read_text()
    parser = _Tags()
    parser.feed(text)
    fetching = [(tag, attrs) for tag, attrs in parser.tags
                if any(name in attrs for name in ("src", "href", "xlink:href", "srcset", "action", "poster"))]
    assert fetching == []
    assert "url(" not in text and "@import" not in text
    policy = next(a["content"] for t, a in parser.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert policy is not None and policy.startswith("default-src 'none';")
    assert f"&lt;img src=&quot;http://{CANARY}" in text  # the input's markup shown as text


@needs_chromium
def test_chromium_renders_the_report_and_requests_nothing(tmp_path: Path, proxy: tuple[int, list[str]]) -> None:
    port, seen = proxy
    dom = _chromium(_write_report(tmp_path), port, tmp_path)
    assert 'data-ready="1"' in dom  # the inline script ran: its hash is in the policy
    chart = re.search(r'<svg id="budget-chart".*?</svg>', dom, re.S)
    assert chart is not None
    assert chart.group().count("<circle") >= 3 and "<polyline" in chart.group()
    for section in ("summary", "budget-curve", "proposals", "findings", "n-plus-one", "statements"):
        assert f'id="{section}"' in dom
    assert dom.count('class="copy"') >= 3 and "CREATE INDEX CONCURRENTLY" in dom
    assert "the proposed set stops here" in dom
    assert _page_requests(seen) == [] and CANARY not in seen


@needs_chromium
def test_the_proxy_sees_a_page_request_and_the_policy_stops_one(tmp_path: Path, proxy: tuple[int, list[str]]) -> None:
    """The harness can fail: an image on a plain page is requested through the proxy; the same image
    slipped into the report is not, because of the report's policy."""
    port, seen = proxy
    control = tmp_path / "control.html"
    image = f'<img src="http://{CANARY}/x.png">'
    control.write_text(f"<!DOCTYPE html><html><body>{image}</body></html>")
    _chromium(control, port, tmp_path)
    assert CANARY in _page_requests(seen)
    seen.clear()
    tampered = tmp_path / "tampered.html"
    tampered.write_text(_write_report(tmp_path).read_text().replace("<h1>", image + "<h1>", 1))
    dom = _chromium(tampered, port, tmp_path)
    assert 'id="budget-chart"' in dom
    assert _page_requests(seen) == []


def test_every_part_is_escaped_and_the_policy_names_the_inline_code() -> None:
    assert html_report._sha256(html_report.SCRIPT) in html_report.POLICY
    assert html_report._sha256(html_report.STYLE) in html_report.POLICY
    assert html_report._e('<b x="1">\x1b') == "&lt;b x=&quot;1&quot;&gt;\\x1b"

"""planner app in a real browser: Debian's headless Chromium driven by Playwright.

`planner app` serves a small run, a small sweep and a hedge folder on a free loopback port; each view is loaded and
photographed (tests/artifacts/, ignored by git); on the what-if view one slider is moved with the keyboard, the
page waits for the re-solve and reads the new figure: the cost per FLOP shown and the cost chart's data change, and
the new cost is the one `planner run --set` gives with the same values. A click on a chart's mark narrows its
provenance panel, a chart downloads as PNG from its toolbar, and a box dragged on the batch view's scatter selects
draws. Skipped, with the reason, when there is no Chromium or no Playwright; .ci/run installs Chromium where apt can.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from planner.app import free_port
from tests.app_fixtures import ROOT, SMALL, hedge_folder, small_run, small_sweep

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str | None:
    for name in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or ""):
        if name and os.access(name, os.X_OK):
            return name
    return None


sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright (python package) is not installed")
if chromium() is None:
    pytest.skip("no Chromium on this machine (apt-get install -y chromium; .ci/run does it where apt works): the "
                "browser test is skipped, the AppTest tests still run", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser")
    paths = [small_run(base), small_sweep(base), hedge_folder(base)]
    port = free_port(8600)
    log = open(base / "app.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "planner.cli", "app", *map(str, paths), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if proc.poll() is not None:
                raise AssertionError(f"planner app ended: {(base / 'app.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.25)
        else:
            raise AssertionError("planner app did not answer within 60 s")
        assert f"planner app: {url}" in (base / "app.log").read_text()  # the port is printed
        yield {"url": url, "run": paths[0], "base": base}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    profile = tmp_path_factory.mktemp("chromium-profile")  # an empty --user-data-dir
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(profile), executable_path=chromium(), headless=True,
                                                   args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000},
                                                   accept_downloads=True)
        try:
            yield ctx.pages[0] if ctx.pages else ctx.new_page()
        finally:
            ctx.close()


DRAWN = ".vega-embed svg, .vega-embed canvas, .js-plotly-plot"  # a drawn Altair (Vega-Lite) or Plotly chart


def load(page, server, view: str, charts: int):
    page.goto(f"{server['url']}/?view={view}", wait_until="domcontentloaded")
    page.wait_for_function(f"document.querySelectorAll('{DRAWN}').length >= {charts}", timeout=120_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(ARTIFACTS / f"app_{view}.png"), full_page=True)


def test_each_view_loads_in_chromium(page, server):
    load(page, server, "plan", 5)
    assert page.get_by_text("cost per delivered").first.is_visible()
    load(page, server, "batch", 5)
    assert page.get_by_text("4 draws selected").first.is_visible()
    load(page, server, "compare", 2)
    load(page, server, "hedge", 0)
    assert page.get_by_text("Hedge: demo").first.is_visible()
    # every chart downloads: its CSV button gives the chart's data
    load(page, server, "plan", 5)
    with page.expect_download() as dl:
        page.get_by_role("button", name="download CSV of this chart").first.click()
    got = Path(dl.value.path()).read_text()
    assert got.splitlines()[0].startswith("year,family")


def _cost(page) -> str:
    return page.locator("[data-testid='stMetricValue']").first.inner_text()


FIGURE_JS = ("() => { const e = document.querySelector('.vega-embed');"
             " return e ? Array.from(e.querySelectorAll('.role-mark path'))"
             ".map(p => p.getAttribute('aria-label')).join('|') : '' }")


def _figure(page) -> str:
    """The values of the page's first chart (the cost per FLOP of a unit built each year), as drawn: Vega writes
    each mark's values in its aria-label (year, USD, series, ...)."""
    return page.evaluate(FIGURE_JS)


def test_a_slider_re_solves_and_redraws_in_chromium(page, server, tmp_path):
    load(page, server, "whatif", 5)
    page.wait_for_selector("text=request", timeout=120_000)
    before, figure_before = _cost(page), _figure(page)
    slider = page.locator("[data-testid='stSlider']", has_text="launch price").get_by_role("slider")
    slider.focus()
    page.keyboard.press("ArrowRight")  # one step: +0.25 of the way to the catalog's high launch price
    page.wait_for_function(  # the re-solve is done when the cost shown and the figure drawn have both changed
        "([v, f]) => { const m = document.querySelector('[data-testid=\"stMetricValue\"]');"  # and no preview
        " return m && m.innerText !== v && (" + FIGURE_JS + ")() !== f"
        " && !document.body.innerText.includes('Preview: today') }", arg=[before, figure_before],
        timeout=120_000)
    after = _cost(page)
    assert after != before and "USD" in figure_before
    page.screenshot(path=str(ARTIFACTS / "app_whatif_moved.png"), full_page=True)
    # the number on the page is the one planner run --set gives with the same values
    from planner.app import knobs
    from planner.scenario.load import load_scenario

    rs = load_scenario(server["run"] / "scenario.resolved.yaml")
    ov = knobs.overrides(rs, {k: 0.25 for k in knobs.NAMED if k.key == "launch_price"})
    out = tmp_path / "cli"
    args = [sys.executable, "-m", "planner.cli", "run", str(SMALL), "--out", str(out), "--analysis", "off",
            "--no-report", "--quiet"] + [x for s in knobs.as_set_options(ov) for x in ("--set", s)]
    subprocess.run(args, check=True, cwd=ROOT, capture_output=True)
    want = json.loads((out / "summary.json").read_text())["usd_per_pflop_day"]
    assert float(re.sub(r"[^0-9.]", "", after)) == pytest.approx(want, abs=0.006)


POINT_JS = """() => { const e = document.querySelector('.vega-embed');
  const p = e.querySelector('.role-mark.mark-symbol path'), r = p.getBoundingClientRect();
  const series = /series: ([^;]*)/.exec(p.getAttribute('aria-label'))[1];
  return {x: r.left + r.width / 2, y: r.top + r.height / 2, key: series.split(':')[0]} }"""


def test_clicking_a_line_narrows_the_provenance_to_it_in_chromium(page, server):
    """Click the first point of the cost per FLOP chart's first line: the panel under the chart lists the catalog
    values behind that line's family only (the chart's point selection keys its sources), and opens."""
    load(page, server, "plan", 5)
    point = page.evaluate(POINT_JS)
    page.mouse.move(point["x"], point["y"])
    page.wait_for_timeout(300)
    page.mouse.click(point["x"], point["y"])
    page.wait_for_selector(f"text=Catalog values behind: {point['key']}", timeout=60_000)
    panel = page.locator("[data-testid='stExpander']", has_text=f"Catalog values behind: {point['key']}")
    panel.locator("[data-testid='stDataFrame']").wait_for(timeout=60_000)  # opened, its table drawn
    page.screenshot(path=str(ARTIFACTS / "app_provenance_click.png"), full_page=True)


def test_a_chart_downloads_as_png_from_its_toolbar_in_chromium(page, server):
    """The PNG download the captions promise: the chart's toolbar (shown under the pointer) has *Download as PNG*,
    and it gives a PNG file."""
    load(page, server, "plan", 5)
    page.locator(".vega-embed").first.hover()
    button = page.get_by_role("button", name="Download as PNG").first
    button.wait_for(timeout=30_000)
    with page.expect_download() as dl:
        button.click()
    assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


BOX_JS = """() => { const e = Array.from(document.querySelectorAll('.vega-embed')).pop();
  const pts = Array.from(e.querySelectorAll('.role-mark.mark-symbol path')).map(p => p.getBoundingClientRect())
    .map(r => ({x: r.left + r.width / 2, y: r.top + r.height / 2}));
  const p = pts[0], box = {x0: p.x - 10, y0: p.y - 10, x1: p.x + 10, y1: p.y + 10};
  box.inside = pts.filter(q => q.x >= box.x0 && q.x <= box.x1 && q.y >= box.y0 && q.y <= box.y1).length;
  box.all = pts.length; return box }"""


def test_a_box_on_the_draws_selects_their_plans_in_chromium(page, server):
    """Drag a box around one point of the batch view's scatter: the table of plans lists the draws inside it."""
    load(page, server, "batch", 5)
    page.locator(".vega-embed").last.scroll_into_view_if_needed()
    box = page.evaluate(BOX_JS)
    assert box["all"] == 4 and 1 <= box["inside"] < 4
    page.mouse.move(box["x1"], box["y1"])  # from the box's lower right corner (inside the plot: a point may lie on
    page.mouse.down()  # its top edge) to its upper left one
    page.mouse.move((box["x0"] + box["x1"]) / 2, (box["y0"] + box["y1"]) / 2, steps=4)
    page.mouse.move(box["x0"], box["y0"], steps=4)
    page.mouse.up()
    page.wait_for_selector(f"text={box['inside']} draws selected", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "app_batch_box.png"), full_page=True)

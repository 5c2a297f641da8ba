"""The explorer driven for real: ``incentsim app`` in a subprocess, Debian's chromium via
Playwright.

The browser is the system's ``/usr/bin/chromium`` (installed by ``make test`` with
apt), never a browser build downloaded by Playwright. The test opens the page,
steps the model, changes the promotion rule, resets and steps again, and checks
that the plots and the network picture changed; it saves a screenshot in its
output directory (and to ``$INCENTSIM_SCREENSHOT`` when set, which is how
``docs/img/explorer.png`` is made).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
START_TIMEOUT_S = 120
UI_TIMEOUT_MS = 30_000

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium with apt", pytrace=False
        )
    pytest.skip(f"{CHROMIUM} not installed (make test installs it)", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
Image = pytest.importorskip("PIL.Image")

pytestmark = pytest.mark.slow


def _server_command(port: int, *args: str) -> list[str]:
    script = Path(sys.executable).with_name("incentsim")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "incentsim.interfaces.cli"]
    return head + ["app", "--host", "127.0.0.1", "--port", str(port), "--no-browser", *args]


@contextlib.contextmanager
def _serving(tmp_path: Path, *args: str):
    """``incentsim app ARGS`` in a subprocess until the page answers; yields its URL."""
    from incentsim.interfaces.app import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 (closed in the finally below)
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        _server_command(port, *args),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"incentsim app exited with {proc.returncode}:\n"
                    + (tmp_path / "server.log").read_text()
                )
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    "incentsim app did not serve the page in time:\n"
                    + (tmp_path / "server.log").read_text()
                )
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


@pytest.fixture
def server(tmp_path):
    with _serving(tmp_path, "--scale", "small") as url:
        yield url


@pytest.fixture
def page(tmp_path):
    with playwright_api.sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1500, "height": 1250},
            timeout=60_000,
        )
        ctx.set_default_timeout(UI_TIMEOUT_MS)
        try:
            yield ctx.pages[0] if ctx.pages else ctx.new_page()
        finally:
            ctx.close()


def _img(page, component: str):
    return page.locator(f".incentsim-{component} img")


def _snapshot(page, component: str) -> tuple[str, np.ndarray]:
    """The image's (blob) src and its pixels once loaded."""
    img = _img(page, component)
    expect(img).to_be_visible()
    page.wait_for_function(
        "el => el.complete && el.naturalWidth > 0", arg=img.element_handle(), timeout=UI_TIMEOUT_MS
    )
    src = img.get_attribute("src")
    png = img.screenshot()
    return src, np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def _wait_new(page, component: str, old_src: str) -> None:
    expect(_img(page, component)).not_to_have_attribute("src", old_src)


def _changed(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels that differ (images of different size count as all changed)."""
    if a.shape != b.shape:
        return 1.0
    return float((np.abs(a - b).sum(axis=2) > 0).mean())


_BOTH_NEW = """([ts, net]) => {
    const a = document.querySelector('.incentsim-timeseries img');
    const b = document.querySelector('.incentsim-network img');
    return a && b && a.src !== ts && b.src !== net && a.complete && b.complete;
}"""


def _step(page, n: int) -> None:
    """Click Step n times, each time waiting for both new pictures (polled every frame)."""
    for _ in range(n):
        old = [_img(page, c).get_attribute("src") for c in ("timeseries", "network")]
        page.get_by_role("button", name="Step").click()
        page.wait_for_function(_BOTH_NEW, arg=old, polling="raf", timeout=UI_TIMEOUT_MS)


def _choose(page, label: str, option: str) -> None:
    page.locator(f".v-select:has(label:text-is('{label}'))").click()
    page.locator(".v-menu__content:visible .v-list-item", has_text=option).first.click()
    expect(page.locator(f".v-select:has(label:text-is('{label}'))")).to_contain_text(option)


def test_explorer_in_chromium(server, page, tmp_path):
    outside, failed = [], []
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if r.url.startswith(("http:", "https:", "ws:", "wss:"))
            and not r.url.split("/")[2].startswith("127.0.0.1:")
            else None
        ),
    )
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    t0 = time.monotonic()
    page.goto(server, timeout=60_000, wait_until="domcontentloaded")
    header = page.locator(".incentsim-timeseries")
    expect(header).to_contain_text("Not stepped yet", timeout=90_000)
    expect(header).to_contain_text("gdp_tournament")
    expect(page.locator(".incentsim-leaders")).to_contain_text("rank pct")
    expect(page.locator(".incentsim-leaders")).to_contain_text("1-10 of 30")
    load_s = time.monotonic() - t0

    # step the baseline: plots fill in
    _, ts_start = _snapshot(page, "timeseries")
    t1 = time.monotonic()
    _step(page, 4)
    step_s = (time.monotonic() - t1) / 4
    expect(header).to_contain_text("Year 4")
    _, ts_a = _snapshot(page, "timeseries")
    net_src, net_a = _snapshot(page, "network")
    assert _changed(ts_start, ts_a) > 0.01

    # change the rule, reset (controls apply on reset), step again
    _choose(page, "Promotion rule", "citizen_satisfaction")
    page.get_by_role("button", name="Reset").click()
    expect(header).to_contain_text("citizen_satisfaction")
    expect(header).to_contain_text("Not stepped yet")
    _step(page, 6)
    expect(header).to_contain_text("Year 6")
    _wait_new(page, "network", net_src)
    _, ts_b = _snapshot(page, "timeseries")
    net_src, net_b = _snapshot(page, "network")
    assert _changed(ts_a, ts_b) > 0.01, "time-series plots did not change"
    assert _changed(net_a, net_b) > 0.001, "network did not change"

    # recolour the network by another outcome
    _choose(page, "Colour prefectures by", "pollution")
    _wait_new(page, "network", net_src)
    _, net_c = _snapshot(page, "network")
    assert _changed(net_b, net_c) > 0.001

    # the province scale steps too
    _choose(page, "World scale", "province")
    page.get_by_role("button", name="Reset").click()
    expect(header).to_contain_text("40 prefectures")
    _step(page, 8)
    expect(header).to_contain_text("Year 8")

    page.evaluate(
        "() => { window.scrollTo(0, 0); for (const e of document.querySelectorAll('*'))"
        " { if (e.scrollTop) e.scrollTop = 0; } }"
    )
    assert not outside, f"the page fetched from outside localhost: {outside}"
    assert not failed, f"requests failed: {failed}"

    shot = tmp_path / "explorer.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    target = os.environ.get("INCENTSIM_SCREENSHOT")
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)
    print(
        f"explorer: page ready in {load_s:.1f} s; click-to-picture per step "
        f"{step_s * 1000:.0f} ms (small); screenshot {shot}"
    )


# --------------------------------------------------------------------------- runs browser


def _pick(page, label: str, options: list[str]) -> None:
    """Tick options of a multiple select, then close its menu."""
    page.locator(f".v-select:has(label:text-is('{label}'))").click()
    for option in options:
        page.locator(".v-menu__content:visible .v-list-item", has_text=option).first.click()
    page.keyboard.press("Escape")
    expect(page.locator(".v-menu__content:visible")).to_have_count(0)


def _plot(page) -> tuple[str, np.ndarray]:
    return _snapshot(page, "runs-plot")


def test_runs_browser_in_chromium(page, tmp_path):
    from cli_helpers import make_tracked_runs

    runs_dir = tmp_path / "runs"
    make_tracked_runs(runs_dir)  # ids 1-3 gdp_tournament, 4-6 balanced_scorecard; seeds 0-2
    with _serving(tmp_path, "--runs", str(runs_dir)) as url:
        page.goto(url, timeout=60_000, wait_until="domcontentloaded")
        count = page.locator(".incentsim-runs-count")
        expect(count).to_contain_text("6 of 6 runs", timeout=90_000)
        plot_src, plot_all = _plot(page)

        # filter by scenario: the table, the plot's groups and the selection follow
        _pick(page, "Scenario", ["balanced_scorecard"])
        expect(count).to_contain_text("3 of 6 runs")
        expect(count).to_contain_text("3 selected")
        _wait_new(page, "runs-plot", plot_src)
        plot_src, plot_one = _plot(page)
        assert _changed(plot_all, plot_one) > 0.01

        # any outcome over time
        _choose(page, "Outcome", "trust_local")
        _wait_new(page, "runs-plot", plot_src)
        plot_src, plot_trust = _plot(page)
        assert _changed(plot_one, plot_trust) > 0.01

        # seeds filter, and a bad one is a message
        seeds = page.get_by_label("Seeds (e.g. 0-9 or 0,3,7)")
        seeds.fill("0-1")
        seeds.press("Enter")
        expect(count).to_contain_text("2 of 6 runs")
        seeds.fill("three")
        seeds.press("Enter")
        expect(page.locator(".incentsim-runs")).to_contain_text("bad seed 'three'")
        seeds.fill("")
        seeds.press("Enter")
        expect(count).to_contain_text("3 of 6 runs")

        # select two runs by hand; their configuration and summary
        _pick(page, "Selected runs", ["4 · balanced_scorecard@", "6 · balanced_scorecard@"])
        expect(count).to_contain_text("2 selected")
        _choose(page, "Show the configuration and summary of run", "6 · balanced_scorecard")
        detail = page.locator(".incentsim-runs-detail")
        expect(detail).to_contain_text("term_length")
        expect(detail).to_contain_text("seed: 2")
        expect(detail).to_contain_text("trust_local")

        # export the selection as the HTML report (rendered on click: figures take a while
        # on a loaded machine)
        with page.expect_download(timeout=240_000) as dl:
            page.get_by_role("button", name="Export the 2 selected runs as a report").click()
        report = tmp_path / "report.html"
        dl.value.save_as(report)
        html = report.read_text()
        assert "balanced_scorecard" in html and "gdp_tournament" not in html
        assert "<td>4, 6</td>" in html, "the two selected run ids"

        page.evaluate("() => window.scrollTo(0, 0)")
        shot = tmp_path / "runs.png"
        page.screenshot(path=str(shot), full_page=True)
        target = os.environ.get("INCENTSIM_RUNS_SCREENSHOT")
        if target:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, target)

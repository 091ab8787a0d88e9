"""The built public site in headless Chromium: axe-core WCAG 2.2 AA on every page, charts with
text alternatives and tables, keyboard use, and screenshots that are not blank."""

import functools
import http.server
import io
import threading
import uuid
from urllib.parse import urljoin, urlsplit

import psycopg
import pytest
from psycopg import sql

from orchestration.lib import demonstration, environment, warehouse
from orchestration.lib.publishing import build, data, publish
from orchestration.lib.quality.gate import GateDecision
from orchestration.lib.warehouse import bootstrap
from tests.support import site_sample as sample

pytestmark = pytest.mark.e2e

AXE = environment.REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def site_root(pg_server, tmp_path_factory):
    if not AXE.exists():
        pytest.fail("The accessibility checks need axe-core: run `npm ci` (make setup does)")
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    warehouse.create_database(url)
    bootstrap.bootstrap(url, {"public_reader": "public-test"})
    sample.seed(url)
    sample.name_localities(url)
    # As after `bdc demo`: every page carries the demonstration banner, which axe checks too.
    demonstration.mark(url)
    publish.build_publish(url)
    out = tmp_path_factory.mktemp("site") / "site"
    build.build_site(
        url, data.reader_url(url, "public-test"), out, gate=lambda *_: GateDecision(True)
    )
    yield out
    with psycopg.connect(pg_server.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="module")
def server(site_root):
    handler = functools.partial(QuietHandler, directory=str(site_root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


AXE_RUN = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations']})"""


def crawl(page, start: str, visit) -> list[str]:
    """Every HTML page reachable from `start` by links inside the site; `visit(url)` on each."""
    seen, queue = set(), [start]
    origin = urlsplit(start).netloc
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        assert response.ok, f"{url}: HTTP {response.status}"
        visit(url)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            target = urljoin(url, href).split("#")[0]
            parts = urlsplit(target)
            if parts.netloc == origin and target.endswith((".html", "/")) and target not in seen:
                queue.append(target)
    return sorted(seen)


def test_every_page_passes_axe_and_every_chart_has_text_and_table(page, server):
    charts_seen = 0

    def check(url):
        nonlocal charts_seen
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(AXE_RUN, WCAG_TAGS)
        problems = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]})"
            for v in result["violations"]
        ]
        assert problems == [], f"{url}\n" + "\n".join(problems)
        assert page.locator("html").get_attribute("lang") == "en-GB"
        for chart in page.locator("figure.app-chart svg").all():
            charts_seen += 1
            assert chart.get_attribute("role") == "img"
            assert chart.locator("title").first.text_content().strip()
            # The figure names the text that describes its chart.
            described = chart.locator("xpath=..").get_attribute("aria-describedby")
            assert len(page.locator(f"#{described}").text_content().strip()) > 20
            assert page.locator("table.govuk-table tbody tr").count() >= 3

    pages = crawl(page, server + "index.html", check)
    assert len(pages) >= 30
    assert charts_seen == 8  # three public measures and the finance page, x two councils


def focus_is_visible(page) -> bool:
    return page.evaluate(
        """() => {
        const el = document.activeElement; if (!el || el === document.body) return false;
        const s = getComputedStyle(el); const r = el.getBoundingClientRect();
        const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
            || (s.boxShadow && s.boxShadow !== 'none') || s.backgroundColor === 'rgb(255, 221, 0)';
        return ring && r.width > 0 && r.height > 0; }"""
    )


@pytest.mark.parametrize(
    "path", ["bromsgrove/index.html", "redditch/measures/enb_foi_days/index.html"]
)
def test_keyboard_alone_skip_link_and_visible_focus(page, server, path):
    page.goto(server + path)
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.textContent.trim()")
    assert first == "Skip to main content"
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main-content"
    links = page.locator("a[href], button:not([hidden])").count()
    reached = set()
    for _ in range(links + 5):
        page.keyboard.press("Tab")
        handle = page.evaluate("document.activeElement.outerHTML.slice(0, 200)")
        if handle.startswith("<body"):
            break
        assert focus_is_visible(page), f"focus not visible on {handle}"
        reached.add(handle)
    assert len(reached) >= 5


def not_blank(png: bytes) -> bool:
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(png)).convert("L")
    stat = ImageStat.Stat(image)
    return stat.stddev[0] > 10 and len(set(image.getdata())) > 20


@pytest.mark.parametrize(
    "path", ["bromsgrove/index.html", "bromsgrove/measures/hou_prevention_rate/index.html"]
)
def test_screenshots_are_not_blank(page, server, path, tmp_path):
    page.goto(server + path)
    png = page.screenshot(full_page=True, path=str(tmp_path / "shot.png"))
    assert not_blank(png)
    blank = page.evaluate("document.body.innerHTML = ''") or page.screenshot()
    assert not not_blank(blank)  # the check itself can fail


@pytest.mark.parametrize(
    "path",
    ["index.html", "redditch/measures/enb_foi_days/index.html", "bromsgrove/areas/index.html"],
)
def test_demonstration_banner_is_seen_first_and_covers_nothing(page, server, path):
    page.goto(server + path)
    banner = page.get_by_role("region", name="Demonstration")
    assert banner.is_visible()
    assert demonstration.LABEL in banner.inner_text()
    box, heading = banner.bounding_box(), page.locator("h1").bounding_box()
    assert box["y"] + box["height"] <= heading["y"]  # above the page's heading, not over it
    assert box["y"] + box["height"] < 900  # in the first screenful
    # The skip link lands on the main content, whose first words are the label.
    first = page.evaluate("document.querySelector('#main-content').innerText.trim()")
    assert first.startswith("Demonstration\n") and demonstration.LABEL in first.split("\n")[1:3]


def test_a_postcode_or_two_clicks_reach_a_ward_page(page, server):
    """The list of wards needs no script: open it and choose (two clicks). The postcode
    search (shown by the script) goes straight to the ward when its sector is in one ward,
    and offers the wards when it spans more. The sample's ward codes are not real ones, so
    the page's index is pointed at them; the real index is tested in test_publish_site.py."""
    page.goto(server + "bromsgrove/index.html")
    page.get_by_text("Choose your ward from a list").click()
    page.get_by_role("link", name="Catshill").first.click()
    assert page.url.endswith("/bromsgrove/wards/E05009002/index.html")
    assert page.get_by_role("heading", level=1).inner_text() == "Catshill"

    page.goto(server + "bromsgrove/index.html")
    page.evaluate(
        """() => { document.getElementById('postcode-sectors').textContent = JSON.stringify({
            'B60 1': [['bromsgrove', 'E05009002', 'Catshill']],
            'B61 0': [['bromsgrove', 'E05009002', 'Catshill'],
                      ['bromsgrove', 'E05009004', 'Hagley']]
        }); }"""
    )
    page.get_by_label("Find your ward by postcode").fill("b61 0aa")
    page.get_by_role("button", name="Find my ward").click()
    result = page.locator("#postcode-result")
    assert "covers more than one ward" in result.inner_text()
    assert result.get_by_role("link").count() == 2
    page.get_by_label("Find your ward by postcode").fill("B60 1AA")
    page.get_by_role("button", name="Find my ward").click()
    page.wait_for_url("**/bromsgrove/wards/E05009002/index.html")

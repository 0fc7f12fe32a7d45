"""Proof in a real browser: the sample site in the six UN languages, in Debian's Chromium,
served on 127.0.0.1 under a sub-path. axe-core on every page type in every language, no console
errors or outside requests, the language switch, right-to-left Arabic, pages without
JavaScript, the keyboard and visible focus. (Search is proven in tests/test_search.py.)"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from babel import dates, numbers

from tests.support.six_languages import LANGUAGES, BuiltSite

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# One page of each template kind: (name, page key below the language prefix).
PAGE_TYPES: list[tuple[str, str]] = [
    ("home", ""),
    ("area", "areas/biodiversity/"),
    ("nbsap", "nbsap/"),
    ("chapter", "nbsap/vision/"),
    ("targets", "targets/"),
    ("target", "targets/t03/"),
    ("gbf", "gbf/"),
    ("gbf-target", "gbf/03/"),
    ("indicators", "indicators/"),
    ("indicator", "indicators/forest-cover/"),
    ("actions", "actions/"),
    ("news", "news/"),
    ("post", "news/chm-launch/"),
    ("page", "about/"),
    ("events", "events/"),
    ("event", "events/2026-05-biodiversity-day-mangrove-planting/"),
    ("documents", "documents/"),
    ("document", "documents/biodiversity-act-2019/"),
    ("projects", "projects/"),
    ("project", "projects/delta-mangrove-restoration/"),
    ("ecosystems", "ecosystems/"),
    ("ecosystem", "ecosystems/mangroves/"),
    ("protected-areas", "protected-areas/"),
    ("protected-area", "protected-areas/rio-verde-delta-national-park/"),
    ("species-list", "species/"),
    ("species", "species/verdanian-crested-parrot/"),
    ("organizations", "organizations/"),
    ("organization", "organizations/marine-research-institute/"),
    ("learning", "learning/"),
    ("learning-resource", "learning/protected-area-ranger-course/"),
    ("cooperation", "cooperation/"),
    ("themes", "themes/"),
    ("theme", "themes/marine/"),
    ("country-profile", "country-profile/"),
    ("data", "data/"),
    ("search", "search/"),
    ("404", "404.html"),
    ("reports", "reports/"),
    ("focal-points", "focal-points/"),
    ("central-targets", "central-targets/"),
    ("capacity-building", "capacity-building/"),
    ("library", "library/"),
    ("cbd-news", "cbd-news/"),
]

# The site has one 404 page, in the default language.
PAGES = [(lang, key) for lang in LANGUAGES for _, key in PAGE_TYPES
         if lang == "en" or key != "404.html"]
PAGE_IDS = [f"{lang}:{name}" for lang in LANGUAGES for name, key in PAGE_TYPES
            if lang == "en" or key != "404.html"]

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus axe's best practices: they carry the rules
# for landmarks, heading order and the skip link that the issue asks for.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


class Watched:
    """One browser page whose console errors, uncaught errors and requests are recorded;
    requests to anywhere but the test server are recorded and aborted."""

    def __init__(self, context: BrowserContext, base: str) -> None:
        self.host = urlsplit(base).netloc
        self.errors: list[str] = []
        self.requests: list[str] = []
        context.route("**/*", self._route)
        self.page = context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def _route(self, route: Route) -> None:
        if urlsplit(route.request.url).netloc == self.host:
            route.continue_()
        else:
            route.abort()

    def visit(self, url: str) -> Page:
        self.errors.clear()
        self.requests.clear()
        response = self.page.goto(url)
        assert response is not None and response.ok, f"{url}: {response and response.status}"
        self.page.wait_for_load_state("load")
        return self.page


@pytest.fixture(scope="module")
def watched(chromium_browser: Browser, un_site: BuiltSite) -> Iterator[Watched]:
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield Watched(context, un_site.base)
    finally:
        context.close()


@pytest.fixture(scope="module")
def axe_script() -> str:
    # The axe-core build that axe-playwright-python ships; injected into each page as it is.
    spec = importlib.util.find_spec("axe_playwright_python")
    assert spec is not None and spec.origin is not None, "axe-playwright-python is not installed"
    return (Path(spec.origin).parent / "axe.min.js").read_text("utf-8")


def axe_violations(page: Page, script: str) -> list[str]:
    """axe-core's violations on the page, one readable line per rule and element."""
    page.evaluate(script)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                           "resultTypes: ['violations']})", AXE_TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']}: {node['target']} {node['html'][:160]}"
            for v in result["violations"] for node in v["nodes"]]


@pytest.mark.parametrize(("lang", "key"), PAGES, ids=PAGE_IDS)
def test_page_passes_axe_quietly_and_locally(watched: Watched, un_site: BuiltSite,
                                             axe_script: str, lang: str, key: str) -> None:
    page = watched.visit(un_site.url(lang, key))
    assert page.evaluate("document.documentElement.lang") == lang
    assert axe_violations(page, axe_script) == []
    assert watched.errors == []
    outside = [url for url in watched.requests if not url.startswith(un_site.base)]
    assert outside == [], "requests leaving the site on 127.0.0.1"
    assert watched.requests[0] == un_site.url(lang, key)


# -- languages -----------------------------------------------------------------------------

SWITCHED = ["targets/t03/", "indicators/forest-cover/", "news/chm-launch/", "nbsap/vision/",
            "species/verdanian-crested-parrot/", "gbf/03/", ""]


@pytest.mark.parametrize("key", SWITCHED)
def test_language_switch_lands_on_the_same_page(browser_page: Page, un_site: BuiltSite,
                                                key: str) -> None:
    for start in ("en", "ar"):
        for lang in LANGUAGES:
            if lang == start:
                continue
            browser_page.goto(un_site.url(start, key))
            browser_page.locator(f'nav.languages a[hreflang="{lang}"]').click()
            browser_page.wait_for_url(un_site.url(lang, key))
            assert browser_page.evaluate("document.documentElement.lang") == lang
            current = browser_page.locator('nav.languages [aria-current="true"]')
            assert current.get_attribute("lang") == lang


def test_every_page_names_its_alternates(browser_page: Page, un_site: BuiltSite) -> None:
    for lang in LANGUAGES:
        browser_page.goto(un_site.url(lang, "targets/t03/"))
        alternates = browser_page.locator('head link[rel="alternate"][hreflang]').evaluate_all(
            "links => links.map(l => [l.hreflang, l.href])")
        assert alternates == [[other, un_site.url(other, "targets/t03/")] for other in LANGUAGES]


@pytest.mark.parametrize("lang", ["ar", "es", "ru", "zh"])
def test_untranslated_content_is_marked_and_announced(browser_page: Page, un_site: BuiltSite,
                                                      lang: str) -> None:
    for key in ("targets/t03/", "indicators/forest-cover/", "news/chm-launch/", "about/"):
        browser_page.goto(un_site.url(lang, key))
        notice = browser_page.locator('main > .notice[role="note"]')
        assert notice.count() == 1 and notice.is_visible(), key
        # The notice speaks the page's language; the English text under it says it is English.
        assert notice.evaluate("n => n.closest('[lang]').lang") == lang
        assert "This content is not yet available" not in notice.inner_text()
        assert browser_page.locator('main h1 [lang="en"], main [lang="en"] h1').count() == 1, key


def test_translated_pages_have_no_fallback_notice(browser_page: Page, un_site: BuiltSite) -> None:
    for lang in ("en", "fr"):
        for key in ("targets/t03/", "indicators/forest-cover/", "news/chm-launch/", "about/"):
            browser_page.goto(un_site.url(lang, key))
            assert browser_page.locator("main .notice").count() == 0, (lang, key)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_numbers_and_dates_follow_the_locale(browser_page: Page, un_site: BuiltSite,
                                             lang: str) -> None:
    browser_page.goto(un_site.url(lang, "indicators/forest-cover/"))
    first_value = browser_page.locator("main table.data tbody td.num").first.inner_text()
    assert first_value == numbers.format_decimal(48.2, locale=lang)
    built = browser_page.locator(".build-info").inner_text()
    assert dates.format_date(un_site.built_on, "long", locale=lang) in built


# -- right to left -------------------------------------------------------------------------

def boxes(page: Page, selectors: dict[str, str]) -> dict[str, dict[str, float]]:
    """Bounding boxes (x, y, width, height, right) of the first element of each selector."""
    found = {}
    for name, selector in selectors.items():
        box = page.locator(selector).first.bounding_box()
        assert box is not None, f"{selector} is not rendered"
        found[name] = {"x": box["x"], "y": box["y"], "width": box["width"],
                       "height": box["height"], "right": box["x"] + box["width"]}
    return found


LAYOUT = {
    "title": ".site-title a",
    "search": ".header-search",
    "languages": "nav.languages",
    "home_link": ".main-nav li:first-child a",
    "second_link": ".main-nav li:nth-child(2) a",
    "breadcrumb": ".breadcrumbs a",
    "h1": "main h1",
    "first_column": "main table.data thead th:first-child",
    "last_column": "main table.data thead th:last-child",
    "main": "main",
}


def test_arabic_is_right_to_left_and_mirrors_the_layout(browser_page: Page,
                                                        un_site: BuiltSite) -> None:
    width = 1280
    browser_page.set_viewport_size({"width": width, "height": 900})
    layout = {}
    for lang in ("en", "ar"):
        browser_page.goto(un_site.url(lang, "targets/t03/"))
        direction = browser_page.evaluate("getComputedStyle(document.documentElement).direction")
        assert direction == ("rtl" if lang == "ar" else "ltr")
        layout[lang] = boxes(browser_page, LAYOUT)
        ARTIFACTS.mkdir(exist_ok=True)
        browser_page.screenshot(path=str(ARTIFACTS / f"target-t03-{lang}.png"), full_page=True)
    en, ar = layout["en"], layout["ar"]
    half = width / 2
    # The header reads title, search box, languages: from the left in English, the right in
    # Arabic.
    assert en["title"]["right"] < half < ar["title"]["x"]
    assert en["title"]["right"] < en["search"]["x"] < en["languages"]["x"]
    assert ar["title"]["x"] > ar["search"]["right"] > ar["languages"]["right"]
    assert en["languages"]["right"] > half > ar["languages"]["x"]
    # The menu reads from the start edge; breadcrumbs and headings hug the start edge.
    assert en["home_link"]["x"] < en["second_link"]["x"]
    assert ar["home_link"]["x"] > ar["second_link"]["x"]
    for name in ("breadcrumb", "h1"):
        assert abs(en[name]["x"] - en["main"]["x"] - 16) < 2, name  # 1rem padding
        assert abs(ar["main"]["right"] - ar[name]["right"] - 16) < 2, name
    # Table columns run from the start edge.
    assert en["first_column"]["x"] < en["last_column"]["x"]
    assert ar["first_column"]["x"] > ar["last_column"]["x"]


def test_arabic_pager_points_the_right_way(browser_page: Page, un_site: BuiltSite) -> None:
    for lang, prev_arrow, next_arrow in (("en", "←", "→"), ("ar", "→", "←")):
        browser_page.goto(un_site.url(lang, "nbsap/mission/"))
        prev, nxt = browser_page.locator('.pager a[rel="prev"]'), browser_page.locator(
            '.pager a[rel="next"]')
        prev_box, next_box = prev.bounding_box(), nxt.bounding_box()
        assert prev_box is not None and next_box is not None
        assert (prev_box["x"] < next_box["x"]) == (lang == "en")
        assert prev.inner_text().startswith(prev_arrow) and nxt.inner_text().endswith(next_arrow)


@pytest.mark.parametrize("key", ["targets/t03/", "indicators/forest-cover/", "events/",
                                 "news/chm-launch/", "reports/", "gbf/03/"])
def test_left_to_right_text_in_arabic_pages_is_isolated(browser_page: Page,
                                                        un_site: BuiltSite, key: str) -> None:
    """English shown on an Arabic page (a fallback, a GBF title) runs left to right on its
    own, so its punctuation does not jump to the wrong end."""
    browser_page.goto(un_site.url("ar", key))
    wrong = browser_page.evaluate("""() => [...document.querySelectorAll('body [lang]')]
        .filter(e => !e.lang.startsWith('ar') && getComputedStyle(e).direction !== 'ltr')
        .map(e => e.outerHTML.slice(0, 120))""")
    assert wrong == []


def test_arabic_chart_legend_does_not_overlap(browser_page: Page, un_site: BuiltSite) -> None:
    for lang in ("en", "ar"):
        browser_page.goto(un_site.url(lang, "indicators/forest-cover/"))
        overlaps = browser_page.evaluate("""() => {
            const out = [];
            for (const text of document.querySelectorAll('svg.chart .legend text')) {
                const key = text.previousElementSibling.getBoundingClientRect();
                const label = text.getBoundingClientRect();
                if (label.left < key.right) out.push(text.textContent);
            }
            return out;
        }""")
        assert overlaps == [], lang


# -- without JavaScript --------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_type_works_without_javascript(chromium_browser: Browser,
                                                  un_site: BuiltSite, lang: str) -> None:
    context = chromium_browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        for _, key in PAGE_TYPES:
            if key == "404.html" and lang != "en":
                continue
            page.goto(un_site.url(lang, key))
            heading = page.locator("main h1")
            assert heading.is_visible() and heading.inner_text().strip(), key
            assert page.locator("main").inner_text().strip() != heading.inner_text().strip(), key
            if key != "404.html":
                links = page.locator("nav.main-nav a")
                assert links.count() >= 6, key
                assert all(link.is_visible() for link in links.all()), key
                assert page.locator("nav.languages a").count() == len(LANGUAGES) - 1, key
    finally:
        context.close()


# -- keyboard ------------------------------------------------------------------------------

ACTIVE = "(() => { const e = document.activeElement; return e === document.body ? '' : " \
         "(e.id || e.className || e.tagName) + '|' + (e.textContent || '').trim(); })()"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_tab_reaches_the_skip_link_first(browser_page: Page, un_site: BuiltSite,
                                         lang: str) -> None:
    browser_page.goto(un_site.url(lang, "targets/t03/"))
    browser_page.keyboard.press("Tab")
    skip = browser_page.locator(".skip-link")
    assert skip.evaluate("a => a === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["width"] > 20 and box["height"] > 10
    assert box["y"] >= 0 and box["x"] >= 0 and box["x"] + box["width"] <= 1280
    # Visible, not merely in the viewport: nothing covers it.
    assert skip.evaluate("a => { const r = a.getBoundingClientRect(); return a.contains("
                         "document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)); }")
    browser_page.keyboard.press("Enter")
    assert browser_page.evaluate("document.activeElement.id") == "main"
    assert browser_page.url.endswith("#main")
    browser_page.keyboard.press("Tab")
    assert browser_page.evaluate("document.activeElement.closest('main') !== null")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_menu_works_with_the_keyboard_alone(browser_page: Page, un_site: BuiltSite,
                                                lang: str) -> None:
    browser_page.goto(un_site.url(lang, ""))
    menu = browser_page.locator("nav.main-nav a")
    hrefs = menu.evaluate_all("links => links.map(a => a.href)")
    reached = []
    for _ in range(60):
        browser_page.keyboard.press("Tab")
        href = browser_page.evaluate("document.activeElement.closest('nav.main-nav') && "
                                     "document.activeElement.href")
        if href:
            reached.append(href)
        elif reached:
            break
    assert reached == hrefs  # every entry, in order, one Tab each
    # Back to the "Implementation" group and follow it with Enter.
    for _ in range(len(hrefs) - hrefs.index(un_site.url(lang, "areas/implementation/"))):
        browser_page.keyboard.press("Shift+Tab")
    browser_page.keyboard.press("Enter")
    browser_page.wait_for_url(un_site.url(lang, "areas/implementation/"))
    assert browser_page.locator('nav.main-nav a[aria-current="page"]').get_attribute("href")
    assert browser_page.locator("nav.sub-nav a").count() > 3


FOCUS_RING = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const v = rgb(c).slice(0, 3).map(x => { x /= 255;
      return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const opaque = c => { const v = rgb(c); return v.length === 3 || v[3] > 0; };
  // What the ring is drawn against: the topmost other element in the gap between the element
  // and its ring (or just outside a ring without a gap), or that element's backdrop.
  const behind = (x, y) => {
    let e = document.elementsFromPoint(x, y).find(o => o !== el && !el.contains(o));
    while (e && !opaque(getComputedStyle(e).backgroundColor)) e = e.parentElement;
    return e ? getComputedStyle(e).backgroundColor : 'rgb(255, 255, 255)';
  };
  const r = el.getBoundingClientRect();
  const gap = parseFloat(style.outlineOffset);
  const out = gap > 0 ? gap / 2 : parseFloat(style.outlineWidth) + 1;
  const ring = style.outlineColor;
  const points = [[r.left - out, r.top + r.height / 2], [r.right + out, r.top + r.height / 2],
                  [r.left + r.width / 2, r.top - out], [r.left + r.width / 2, r.bottom + out]];
  const ratios = points.filter(([x, y]) => x >= 0 && y >= 0 && x < innerWidth && y < innerHeight)
    .map(([x, y]) => { const a = lum(ring), b = lum(behind(x, y));
                       return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); });
  return {what: el.outerHTML.slice(0, 100), style: style.outlineStyle,
          width: parseFloat(style.outlineWidth), contrast: Math.min(...ratios)};
}"""


@pytest.mark.parametrize("key", ["", "targets/t03/", "actions/", "indicators/forest-cover/",
                                 "search/"])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_focus_is_visible_on_every_tab_stop(browser_page: Page, un_site: BuiltSite, lang: str,
                                            key: str) -> None:
    """Every Tab stop draws a ring at least 2px wide with 3:1 contrast against what is
    around it (WCAG 2.2 SC 1.4.11 and 2.4.7)."""
    browser_page.set_viewport_size({"width": 1280, "height": 900})
    browser_page.goto(un_site.url(lang, key))
    weak, seen = [], 0
    for _ in range(400):
        browser_page.keyboard.press("Tab")
        if browser_page.evaluate("document.activeElement === document.body"):
            break
        seen += 1
        ring = browser_page.evaluate(FOCUS_RING)
        if ring["style"] == "none" or ring["width"] < 2 or ring["contrast"] < 3:
            weak.append(ring)
    assert seen > 10
    assert not weak, "weak focus rings:\n" + "\n".join(map(str, weak))


# -- reflow --------------------------------------------------------------------------------

# The page's width when it scrolls sideways, with the element that sticks out farthest.
WIDEST = """() => {
  const width = document.documentElement.scrollWidth;
  if (width <= innerWidth) return null;
  const overflow = e => Math.max(e.getBoundingClientRect().right - innerWidth,
                                 -e.getBoundingClientRect().left);
  const worst = [...document.querySelectorAll('body *')].reduce(
    (a, e) => overflow(e) > overflow(a) ? e : a, document.body);
  return width + ' ' + worst.outerHTML.slice(0, 100);
}"""


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_pages_reflow_at_320_pixels(browser_page: Page, un_site: BuiltSite, lang: str) -> None:
    """WCAG 1.4.10: at 320 CSS pixels nothing scrolls sideways but wide data tables, which
    scroll inside their own box."""
    browser_page.set_viewport_size({"width": 320, "height": 640})
    wide = []
    for _, key in PAGE_TYPES:
        if key == "404.html" and lang != "en":
            continue
        browser_page.goto(un_site.url(lang, key))
        width = browser_page.evaluate(WIDEST)
        if width:
            wide.append(f"{key}: {width}")
    assert not wide, "pages wider than 320px:\n" + "\n".join(wide)

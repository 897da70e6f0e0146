"""Form fields can be seen and tapped (WCAG 2.2: 1.4.11 non-text contrast, 2.5.8 target size).

The edge of every text box, list, radio and tick box is at least 3:1 against the page (Bootstrap's own
#dee2e6 is 1.3:1), and radios and tick boxes are at least 24 by 24 CSS pixels. Checked twice: in the style
sheet (quick, no browser) and in a browser, reading the colours and sizes a real page ends up with.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

CSS = Path(settings.BASE_DIR) / "static" / "css" / "coprod.css"
BASE = Path(settings.BASE_DIR) / "templates" / "base.html"
WHITE = (255, 255, 255)
MINIMUM = 3.0


def luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def hex_rgb(value: str):
    value = value.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))


def css_rules() -> list[tuple[str, str]]:
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S)
    return [(sel.strip(), body) for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text)]


def declared(selector: str, prop: str) -> list[str]:
    """Every value `prop` is given in a rule whose selector list names `selector` exactly."""
    values = []
    for selectors, body in css_rules():
        if selector in [s.strip() for s in selectors.split(",")]:
            for name, value in re.findall(r"([\w-]+)\s*:\s*([^;]+)", body):
                if name == prop or (prop == "border-color" and name == "border"):
                    values.append(value.strip())
    return values


def test_the_known_ratios():
    assert contrast(hex_rgb("#dee2e6"), WHITE) == pytest.approx(1.3, abs=0.05)  # Bootstrap's default: too faint
    assert contrast(hex_rgb("#505a5f"), WHITE) == pytest.approx(7.0, abs=0.1)
    assert contrast((0, 0, 0), WHITE) == pytest.approx(21.0)


@pytest.mark.parametrize("selector", [".form-control", ".form-select", ".form-check-input"])
def test_our_style_sheet_gives_field_edges_3_to_1_or_better(selector):
    colours = [c for value in declared(selector, "border-color") for c in re.findall(r"#[0-9a-fA-F]{3,6}\b", value)]
    assert colours, f"coprod.css sets no border colour for {selector}"
    for colour in colours:
        assert contrast(hex_rgb(colour), WHITE) >= MINIMUM, f"{selector}: {colour} on white"


def test_our_style_sheet_makes_radios_and_tick_boxes_24px_or_more():
    for prop in ("min-width", "min-height"):
        values = declared(".form-check-input", prop)
        assert values, f".form-check-input has no {prop}"
        assert all(int(re.match(r"(\d+)px", v).group(1)) >= 24 for v in values), values


def test_our_style_sheet_comes_after_bootstraps():
    """The same selectors win by order, so coprod.css must be linked after Bootstrap's."""
    html = BASE.read_text()
    assert html.index("bootstrap.min.css") < html.index("css/coprod.css")


PROBE = """() => [...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')]
  .filter(el => el.offsetParent !== null)
  .map(el => {
    const s = getComputedStyle(el), r = el.getBoundingClientRect();
    return {name: el.name, type: el.type, border: s.borderTopColor, width: r.width, height: r.height,
            borderWidth: parseFloat(s.borderTopWidth)};
  })"""


def rgb(css_colour: str):
    return tuple(int(float(n)) for n in re.findall(r"[\d.]+", css_colour)[:3])


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/groups/new/", "/profile/"])
def test_in_a_browser_every_field_edge_is_3_to_1_and_every_radio_24px(browser, live_server, facilitator, path):
    client = Client()
    client.force_login(facilitator)
    context = browser.new_context(viewport={"width": 390, "height": 900})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + path)
    fields = page.evaluate(PROBE)
    context.close()

    kinds = {f["type"] for f in fields}
    assert "radio" in kinds, f"{path}: no radio to measure: {kinds}"
    for f in fields:
        ratio = contrast(rgb(f["border"]), WHITE)
        assert f["borderWidth"] >= 1, f
        assert ratio >= MINIMUM, f"{path} {f['name']}: border {f['border']} is {ratio:.1f}:1 on white"
        if f["type"] in ("radio", "checkbox"):
            assert f["width"] >= 24 and f["height"] >= 24, f"{path} {f['name']}: {f['width']}x{f['height']}px"

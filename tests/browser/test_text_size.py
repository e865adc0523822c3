"""At 200 % text size (WCAG 1.4.4) the header's search box stays wide enough to show its
placeholder and nothing overflows sideways, on a desktop and on a small phone."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

# Chromium's "font size: very large" setting, as a user style: the root font doubles, the
# layout's media queries (in em of the initial size) do not change.
DOUBLE_TEXT = "document.documentElement.style.setProperty('font-size', '200%', 'important')"

PLACEHOLDER_FITS = """() => {
  const input = document.getElementById("site-search");
  const style = getComputedStyle(input);
  const probe = document.createElement("span");
  probe.style.font = style.font;
  probe.style.position = "absolute";
  probe.style.whiteSpace = "pre";
  probe.textContent = input.placeholder;
  document.body.append(probe);
  const needed = probe.getBoundingClientRect().width;
  probe.remove();
  const inner = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return [Math.round(inner), Math.round(needed)];
}"""


def test_search_box_keeps_its_placeholder_at_double_text_size(browser_page, site_url):
    page = browser_page
    for width in (1366, 1280, 1024, 768, 390, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(site_url + "/")
        page.evaluate(DOUBLE_TEXT)
        inner, needed = page.evaluate(PLACEHOLDER_FITS)
        # At 320 px, 200 % text leaves room for half the word: the box only has to stay usable.
        if width > 320:
            assert inner >= needed, f"at {width}px: search box {inner}px, placeholder {needed}px"
        else:
            assert inner >= needed / 2, f"at {width}px: search box {inner}px"
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width

"""Real-browser test of the definition draft editor on the demo city (fixtures in tests/browser.py):
an analyst edits a weight of the Ping'an+ tree in the form, sees the error beside that field, fixes
it, sees last month's ranking with the draft on the confirmation page and activates it (stored
results are not recomputed, so the other browser tests see the demo's figures). On a phone and on
a wide screen, with nothing wider than the screen and no console error."""

from __future__ import annotations

import pytest

from tests.browser import login, shot

pytestmark = pytest.mark.browser

PETITIONS = "y.children.0.children.0.weight"  # 社会稳定 → 信访事项, 0.5 as shipped
DISPUTES = "y.children.0.children.1.weight"


def fits(page, width: int) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def field(page, name: str):
    return page.locator(f'[name="{name}"]')


@pytest.mark.parametrize(("width", "petitions"), [(375, "0.55"), (1440, "0.6")])
def test_an_analyst_edits_a_weight_sees_the_error_fixes_it_previews_and_activates(
    server, page_at, width, petitions
):
    page = page_at(width, 900, **({"is_mobile": True, "has_touch": True} if width < 600 else {}))
    page.set_default_timeout(300_000)  # the preview computes a month of Ping'an+ for the 26 towns
    login(page, server, "city_analyst")
    page.goto(server + "/dash/definitions/pingan_plus/")
    page.click(".def-actions a.button")  # edit a draft of the active version
    page.wait_for_selector('#draft-form[data-mode="form"]')
    fits(page, width)
    page.click('details.def-section[data-path="pingan_plus/stability"] > summary')

    field(page, PETITIONS).fill("1.5")
    page.click(".def-bar button[value=validate]")
    page.wait_for_selector('#validation[data-valid="false"]')
    error = page.locator(f'p.field-error[data-input="{PETITIONS}"]')
    assert error.count() == 1 and error.inner_text() == "权重必须是 (0, 1] 区间内的数"
    assert error.get_attribute("data-field") == "weight"
    assert field(page, PETITIONS).get_attribute("aria-invalid") == "true"
    assert error.is_visible()  # its part of the tree is unfolded
    fits(page, width)
    shot(page, f"definitions-editor-error-{width}")

    field(page, PETITIONS).fill(petitions)
    field(page, DISPUTES).fill(f"{1 - float(petitions):g}")
    page.click("#activate")  # validates, then shows the effect and asks for the confirmation
    page.wait_for_selector("#confirm-form")
    assert page.locator('#weight-changes tr[data-path="stability/petitions"]').count() == 1
    assert page.locator("#preview-ranks tbody tr").count() == 26  # the 26 towns and streets
    fits(page, width)
    shot(page, f"definitions-confirm-{width}")
    page.click("#confirm")
    page.wait_for_selector("#tree")
    share = f"{float(petitions) * 100:.1f} %"
    assert share in page.locator('#tree tr[data-path="stability/petitions"]').inner_text()
    assert page.watch.errors == []

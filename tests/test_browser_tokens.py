"""Real-browser test of the "my tokens" page (fixtures in tests/browser.py): a town cadre on a
375-px phone goes there from the user menu, creates a token, copies its key and sees it listed."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser import login, shot

pytestmark = pytest.mark.browser


def test_a_town_cadre_creates_a_token_on_a_375_px_phone_and_sees_it_listed(server, page_at):
    phone = page_at(
        375, 812, is_mobile=True, has_touch=True, permissions=["clipboard-read", "clipboard-write"]
    )
    login(phone, server, "town_cadre")
    phone.click("#my-tokens")
    phone.wait_for_selector("#create-token")
    assert phone.locator("main h1").inner_text() == "我的令牌"
    phone.fill("input[name=name]", "夜间同步脚本")
    phone.select_option("select[name=days]", "30")
    phone.click("#create-token button[type=submit]")
    phone.wait_for_selector("#new-key")
    key = phone.input_value("#key")
    assert key.startswith("zl_") and len(key) > 30
    assert "只显示这一次" in phone.locator("#new-key").inner_text()
    phone.click("button.copy")
    phone.wait_for_selector("#copy-status:has-text('已复制')")
    assert phone.evaluate("navigator.clipboard.readText()") == key
    row = phone.locator(f'#tokens tr[data-prefix="{key[:8]}"]')
    assert row.locator("td.name").inner_text() == "夜间同步脚本"
    assert row.locator("td code").inner_text() == f"{key[:8]}…"
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 375
    shot(phone, "tokens-phone")
    violations = Axe().run(phone, context="main")
    assert violations.violations_count == 0, violations.generate_report()
    phone.reload()  # the key is not on the page again
    assert phone.locator("#new-key").count() == 0 and key not in phone.content()
    assert phone.watch.errors == []

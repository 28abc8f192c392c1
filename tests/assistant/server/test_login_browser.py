"""A real browser signs in with two roles (and the staff): what each sees of the non-public papers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.assistant.conftest import LAND_SALE_QUESTION
from tests.assistant.server.conftest import PASSWORDS, Running
from tests.assistant.web.test_web_chat import CHROMIUM, CHROMIUM_ARGS, _ask

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture()
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _sign_in(browser: Any, url: str, name: str, password: str | None = None) -> Any:
    page = browser.new_context(locale="de-DE", viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(20_000)
    page.goto(url)
    page.wait_for_url("**/login")
    page.fill("#name", name)
    page.fill("#passwort", password or PASSWORDS[name][0])
    page.click("#anmelden")
    return page


def test_two_roles_sign_in_and_see_what_they_may(running: Running, browser: Any) -> None:
    wrong = _sign_in(browser, running.url, "ratsfrau", "falsches-passwort")
    assert "Benutzername oder Passwort ist falsch." in wrong.locator("#meldung").inner_text()

    council = _sign_in(browser, running.url, "ratsfrau")
    council.locator("#nutzer").get_by_text("ratsfrau").wait_for()
    assert "Ratsmitglied" in council.locator("#nutzer").inner_text()
    answer = _ask(council, LAND_SALE_QUESTION, 0)
    assert "1.234.567" in answer.inner_text()
    card = council.locator("#quellen .quelle", has_text="Flurstück 4711").first
    assert "nicht öffentlich" in card.inner_text()
    assert not council.get_by_role("tab", name="Stellungnahme entwerfen").is_visible()  # drafting: staff only
    council.click("#abonnieren")  # the question just answered becomes a subscription
    council.locator("#abo-meldung").get_by_text("angelegt").wait_for()
    council.get_by_text("Meine Abos").click()
    assert "Flurstück 4711" in council.locator("#abos").inner_text()
    council.click("#abmelden")
    council.wait_for_url("**/login?abgemeldet=1")
    assert "Sie sind abgemeldet." in council.locator("#meldung").inner_text()
    council.goto(running.url)
    council.wait_for_url("**/login")  # the session is gone

    public = _sign_in(browser, running.url, "buergerin")
    public.locator("#nutzer").get_by_text("Öffentlichkeit").wait_for()
    answer = _ask(public, LAND_SALE_QUESTION, 0)
    shown = answer.inner_text() + public.locator("#quellen").inner_text()
    assert "1.234.567" not in shown and "Flurstück 4711" not in shown and "2026/9001" not in shown
    answer = _ask(public, "Was steht in der Drucksache 2026/9001?", 1)
    assert "1.234.567" not in answer.inner_text() + public.locator("#quellen").inner_text()

    staff = _sign_in(browser, running.url, "kaemmerer")
    staff.get_by_role("tab", name="Stellungnahme entwerfen").wait_for()

"""End to end: the real Gradio app over a small real index, driven by headless Debian Chromium."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.assistant.conftest import HOSTILE_QUESTION, HOSTILE_TITLE, paper_json
from tests.assistant.server.conftest import start

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
POLICE_QUESTION = "Was wurde zur Personalsituation bei der Polizei angefragt?"


@pytest.fixture(scope="module")
def app_url(small_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """`council serve` as a single local user (no accounts): the server's app on 127.0.0.1."""
    from assistant.compose import make_assistant
    from assistant.server.app import build_server
    from assistant.server.serving import Serving
    from assistant.settings import Settings
    from assistant.web.feedback import FeedbackStore

    path = tmp_path_factory.mktemp("feedback") / "feedback.sqlite"
    settings = Settings().with_(index_dir=small_index, embedder="hash", llm_model_path="", llm_base_url="",
                                feedback_path=path)
    assistant = make_assistant(settings)
    url, server = start(build_server(assistant, Serving.of(settings)))
    try:
        yield f"{url}/", FeedbackStore(path)
    finally:
        server.should_exit = True


@pytest.fixture()
def page(app_url: tuple[str, Any]) -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
        pg = context.new_page()
        pg.set_default_timeout(20_000)
        pg.dialogs = []  # type: ignore[attr-defined]
        pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
        pg.outside = []  # type: ignore[attr-defined]
        pg.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
              else pg.outside.append(r.url))  # type: ignore[attr-defined]
        try:
            yield pg
        finally:
            browser.close()


def _ask(pg: Any, question: str, answers_before: int) -> Any:
    box = pg.locator("#frage textarea")
    box.fill(question)
    box.press("Enter")
    bot = pg.locator('#chat [data-testid="bot"]')
    pg.wait_for_function(
        "n => { const b = document.querySelectorAll('#chat [data-testid=\"bot\"]');"
        " return b.length > n && !b[b.length - 1].querySelector('.tippt'); }", arg=answers_before)
    return bot.nth(answers_before)


def test_chat_answers_with_linked_sources_and_escapes_hostile_text(
        page: Any, app_url: tuple[str, Any], corpus: Path, tmp_path: Path) -> None:
    started = time.perf_counter()
    url, store = app_url
    pg = page
    pg.goto(url)
    stand = pg.locator("#stand")
    stand.get_by_text("Stand:").wait_for()
    assert "16 Dokumente" in stand.inner_text()

    # --- a real question about paper 19165 --------------------------------------------------------
    answer = _ask(pg, POLICE_QUESTION, 0)
    assert "Personalsituation" in answer.inner_text()
    cards = pg.locator("#quellen .quelle")
    cards.first.wait_for()
    paper = paper_json(corpus, "19165")
    card = pg.locator("#quellen .quelle", has_text="Personalsituation bei der Polizei").first
    assert card.get_attribute("data-doc-id") == paper["id"]
    assert paper["reference"] in card.inner_text() and "Karlsruhe" in card.inner_text()
    vorlage = card.locator("a.link-vorlage")
    if paper.get("web"):  # the mirror source links the paper page only when OParl names one
        assert vorlage.get_attribute("href") == paper["web"] and vorlage.get_attribute("target") == "_blank"
    else:
        assert vorlage.count() in (0, 1)
    file_urls = {f.get(k) for f in [paper.get("mainFile", {}), *paper.get("auxiliaryFile", [])]
                 for k in ("accessUrl", "downloadUrl")} - {None}
    datei = card.locator("a.link-datei")
    file_href = datei.get_attribute("href")
    assert file_href.split("#")[0] in file_urls
    if "#page=" in file_href:  # page known: the card names the same page
        assert f"S. {file_href.rsplit('#page=', 1)[1]}" in card.inner_text()
    assert datei.get_attribute("target") == "_blank" and "noopener" in datei.get_attribute("rel")
    assert card.locator("mark").inner_text().strip()

    # [n] marker jumps to its card
    marker = answer.locator("a.cite").first
    number = marker.inner_text().strip("[]")
    marker.click()
    pg.wait_for_function("h => location.hash === h", arg=f"#quelle-{number}")
    assert pg.evaluate("document.querySelector(':target') && document.querySelector(':target').id") == f"quelle-{number}"
    pg.screenshot(path=str(tmp_path / "antwort.png"), full_page=True)
    shutil.copy(tmp_path / "antwort.png", "/tmp/ui.png")

    # copy button puts the plain answer with its sources on the clipboard
    pg.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    pg.locator("#kopieren").click()
    pg.wait_for_function("() => navigator.clipboard.readText().then(t => t.includes('Quellen:'))")
    assert paper["reference"] in pg.evaluate("navigator.clipboard.readText()")

    # --- hostile document: everything shows literally, nothing executes --------------------------
    hostile = _ask(pg, HOSTILE_QUESTION, 1)
    text = hostile.inner_text()
    assert "<img src=x onerror=alert(1)>" in text and "<script>alert(2)</script>" in text
    assert "[klick](javascript:alert(3))" in text and "**fett**" in text
    hostile_card = pg.locator("#quellen .quelle").first
    assert HOSTILE_TITLE in hostile_card.inner_text()
    assert "<img src=y onerror=alert(5)>.pdf" in hostile_card.inner_text()
    assert hostile_card.locator("a").count() == 0 and "kein Link verfügbar" in hostile_card.inner_text()
    assert pg.locator("img[src='x'], img[src='y'], #chat script, #quellen script").count() == 0
    assert pg.locator("a[href^='javascript']").count() == 0

    # follow-up: the rewritten query is shown
    _ask(pg, "Und was kostet sie?", 2)
    pg.locator("#gesucht").get_by_text("Gesucht wurde").wait_for()

    # feedback with comment
    pg.locator("#kommentar textarea").fill("Quelle passt")
    pg.locator("#feedback-gut").click()
    pg.locator("#feedback-meldung").get_by_text("Danke").wait_for()
    rows = store.entries()
    assert rows and rows[-1].rating == 1 and rows[-1].comment == "Quelle passt"
    assert rows[-1].question == "Und was kostet sie?"

    pg.wait_for_timeout(300)  # give any injected handler a chance to fire
    pg.screenshot(path=str(tmp_path / "feindlich.png"), full_page=True)
    assert pg.dialogs == []  # type: ignore[attr-defined]
    assert pg.outside == []  # type: ignore[attr-defined]  # no third-party requests (fonts, analytics)
    assert time.perf_counter() - started < 60

"""Rendering of answers and source cards: escaping, links, [n] markers, status line; UI helpers."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from assistant.types import Answer, Citation, Sentence
from assistant.web.render import (
    answer_html,
    citation_card,
    esc_md,
    external_link,
    link_markers,
    plain_text,
    query_html,
    safe_url,
    sources_html,
    status_html,
)

HOSTILE = "<img src=x onerror=alert(1)> <script>alert(2)</script> [klick](javascript:alert(3)) **fett** $x$"


def _cite(n: int = 1, **kw: object) -> Citation:
    base = dict(n=n, chunk_id=f"c{n}", doc_id=f"d{n}", reference="2024/0015", paper_type="Anfrage",
                title="Radwege in der Südstadt", date="2024-03-05", body="Karlsruhe", file_name="Anfrage.pdf",
                page=3, quote="Der Radweg wird 2025 gebaut.", paper_url="https://example.org/vo/15",
                file_url="https://example.org/f/15.pdf#page=3")
    base.update(kw)
    return Citation(**base)  # type: ignore[arg-type]


def _visible_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_esc_md_neutralises_html_and_markdown() -> None:
    out = esc_md(HOSTILE)
    assert "<" not in out and ">" not in out and "[" not in out and "(" not in out and "*" not in out and "$" not in out
    assert html.unescape(out) == HOSTILE  # shows literally once the browser decodes the entities
    assert esc_md("a\nb") == "a<br>b"
    assert esc_md("- Punkt, 2. Satz") == "&#45; Punkt, 2. Satz"  # list start escaped, inner text readable
    assert esc_md("1. Frage") == "&#49;. Frage" and esc_md("# Titel") == "&#35; Titel"
    assert esc_md("siehe https://x.de und www.y.de, a@b.de") == "siehe https&#58;//x.de und www&#46;y.de, a&#64;b.de"


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,<b>x</b>", "/relative",
    "ftp://example.org/x", "https://", "https://ex ample.org", 'https://example.org/"onmouseover=x', "", None,
    "java\tscript:alert(1)", "https://example.org/<script>",
])
def test_unsafe_urls_are_rejected(url: str | None) -> None:
    assert safe_url(url) is None
    assert external_link(url, "x") == ""


def test_http_links_open_in_new_tab_and_are_escaped() -> None:
    link = external_link("https://example.org/a?x=1&y=2#page=4", "Datei <öffnen>")
    assert link.startswith('<a href="https://example.org/a?x=1&amp;y=2#page=4" target="_blank" rel="noopener noreferrer"')
    assert "Datei &lt;öffnen&gt;" in link


def test_markers_become_anchor_links_only_for_known_sources() -> None:
    out = link_markers(esc_md("Satz eins [1]. Satz zwei [2, 3]. Falsch [9]."), known=[1, 2, 3])
    assert '<a href="#quelle-1" class="cite"' in out
    assert '<a href="#quelle-2"' in out and '<a href="#quelle-3"' in out
    assert "#quelle-9" not in out and "&#91;9&#93;" in out


def test_answer_html_from_sentences_marks_unsupported() -> None:
    sentences = (Sentence("Der Radweg wird 2025 gebaut.", (1,)), Sentence("Er kostet 3 Mio. Euro.", (), False, 0.1))
    from assistant.answer.citations import render

    answer = Answer(question="q", text=render(list(sentences)), citations=(_cite(),), sentences=sentences)
    out = answer_html(answer)
    assert '<a href="#quelle-1" class="cite"' in out
    assert '<span class="unbelegt"><em>Er kostet 3 Mio. Euro.</em>' in out
    assert "nicht belegt" in _visible_text(out)


def test_answer_html_plain_text_fallback_escapes_hostile_text() -> None:
    text = f"- {HOSTILE} [1]\n- Ein Satz ohne Beleg. (nicht belegt)"
    out = answer_html(Answer(question="q", text=text, citations=(_cite(),)))
    assert "<img" not in out and "<script" not in out and "javascript:" not in out
    assert '<a href="#quelle-1"' in out and 'class="unbelegt"' in out
    assert HOSTILE in _visible_text(out)
    assert re.search(r'<span class="unbelegt"><em>Ein Satz ohne Beleg.</em>', out)
    # an extractive answer (one passage per "- " line) becomes a list, one item per passage
    assert out.startswith('<ul class="antwort"><li>') and out.count("<li>") == 2 and out.endswith("</li></ul>")


def test_refusal_shows_sentence_and_maybe_relevant_cards() -> None:
    answer = Answer(question="q", text="Die vorliegenden Dokumente beantworten diese Frage nicht.", refused=True,
                    maybe_relevant=(_cite(1), _cite(2, title="Andere Vorlage")))
    assert "beantworten diese Frage nicht" in _visible_text(answer_html(answer))
    cards = sources_html(answer)
    assert "Möglicherweise relevant:" in cards and cards.count('class="quelle"') == 2


def test_card_contains_all_fields_and_escapes_document_content() -> None:
    card = citation_card(_cite(2, title=HOSTILE, quote=HOSTILE, file_name="<b>x</b>.pdf", paper_type="Anfrage <i>",
                               paper_url="javascript:alert(1)", file_url="https://example.org/f.pdf#page=3"))
    assert 'id="quelle-2"' in card
    assert "<img" not in card and "<script" not in card and "<b>" not in card and "<i>" not in card
    assert 'href="javascript' not in card and card.count("<a ") == 1
    assert "Vorlage öffnen" not in card  # unsafe paper URL: no link
    assert 'href="https://example.org/f.pdf#page=3" target="_blank"' in card
    text = _visible_text(card)
    assert HOSTILE in text and "<b>x</b>.pdf, S. 3" in text and "05.03.2024" in text and "Karlsruhe" in text
    assert "<mark>" in card


def test_card_links_and_reference() -> None:
    card = citation_card(_cite())
    assert "Anfrage Drucksache 2024/0015" in _visible_text(card)
    assert 'class="link-vorlage"' in card and 'class="link-datei"' in card and "(S. 3)" in card


def test_query_line_and_status() -> None:
    assert query_html(Answer(question="q", text="t")) == ""
    line = query_html(Answer(question="Und dazu?", text="t", standalone_query="Radwege <b> Und dazu?"))
    assert "Gesucht wurde" in line and "&lt;b&gt;" in line
    st = status_html({"exists": True, "documents": 16, "chunks": 125, "last_sync": "2024-05-02T10:11:12+0200"})
    assert "Stand: 02.05.2024 10:11 · 16 Dokumente · 125 Abschnitte" in st
    assert "Der Index ist leer" in status_html({"exists": False})
    assert "Der Index ist leer" in status_html({"exists": True, "documents": 0, "chunks": 0})


def test_plain_text_for_copying() -> None:
    text = plain_text(Answer(question="q", text="Antwort [1]", citations=(_cite(),)))
    assert text.startswith("Antwort [1]\n\nQuellen:\n[1] Anfrage 2024/0015") and "https://example.org/vo/15" in text


# --- UI helpers without a browser -----------------------------------------------------------------
def test_parse_filters_validates_dates() -> None:
    from assistant.types import parse_filters

    assert parse_filters("", [], "", "", "", False) is None
    f = parse_filters("Karlsruhe", ["Anfrage"], "2020-01-01", "2024-12-31", " Gemeinderat ", True)
    assert f is not None and f.body == "Karlsruhe" and f.paper_types == ("Anfrage",) and f.committee == "Gemeinderat"
    assert f.only_current and f.date_from == "2020-01-01"
    for bad in (("2024-13-01", ""), ("01.02.2024", ""), ("2024-05-01", "2024-01-01")):
        with pytest.raises(ValueError):
            parse_filters(None, None, bad[0], bad[1], None, False)


def test_respond_streams_then_final_answer_and_keeps_history(small_index: Path) -> None:
    from assistant.web.app import ChatState, respond
    from tests.assistant.conftest import HOSTILE_QUESTION, assistant_for

    assistant = assistant_for(small_index)
    steps = list(respond(assistant, HOSTILE_QUESTION, [], ChatState(), "", [], "", "", "", False, None))
    messages, box, sources, _query, state, copy = steps[-1]
    assert box == "" and len(messages) == 2 and messages[0]["role"] == "user"
    assert "<img" not in messages[1]["content"] and '<a href="#quelle-1"' in messages[1]["content"]
    assert 'id="quelle-1"' in sources and "<script" not in sources
    assert state.history == [(HOSTILE_QUESTION, state.last.answer_text)] and "Quellen:" in copy
    follow = list(respond(assistant, "Und was kostet sie?", messages, state, "", [], "", "", "", False, None))[-1]
    assert len(follow[0]) == 4 and "Gesucht wurde" in follow[3] and len(follow[4].history) == 2


def test_respond_reports_bad_date_and_backend_failure(small_index: Path) -> None:
    from assistant.settings import Settings
    from assistant.web.app import BACKEND_DOWN, ChatState, respond

    class Down:
        settings = Settings()

        def ask_stream(self, *args: object, **kw: object) -> object:
            raise ConnectionError("chroma down")

    out = list(respond(Down(), "Frage?", [], ChatState(), "", [], "2024-99-01", "", "", False, None))[-1]
    assert "JJJJ-MM-TT" in _visible_text(out[0][-1]["content"])
    out = list(respond(Down(), "Frage?", [], ChatState(), "", [], "", "", "", False, None))[-1]
    content = _visible_text(out[0][-1]["content"])
    assert content.endswith(BACKEND_DOWN) and "Traceback" not in content and "chroma down" not in content


def test_empty_index_message(tmp_path: Path) -> None:
    from assistant.web.app import ChatState, respond
    from tests.assistant.conftest import assistant_for

    out = list(respond(assistant_for(tmp_path), "Frage?", [], ChatState(), "", [], "", "", "", False, None))[-1]
    assert "Der Index ist leer" in _visible_text(out[0][-1]["content"])


def test_build_app_mode_selector_and_draft_tab(small_index: Path, tmp_path: Path) -> None:
    import gradio as gr

    from assistant.web.app import build_app, generative_configured
    from assistant.web.feedback import FeedbackStore
    from tests.assistant.conftest import assistant_for

    assistant = assistant_for(small_index)
    assert not generative_configured(assistant.settings)
    assert generative_configured(assistant.settings.with_(llm_base_url="http://127.0.0.1:9/v1"))
    app = build_app(assistant, feedback=FeedbackStore(tmp_path / "f.sqlite"))
    radios = [b for b in app.blocks.values() if isinstance(b, gr.Radio)]
    assert radios and all(not r.visible for r in radios if r.elem_id == "modus")
    tabs = [b.label for b in app.blocks.values() if isinstance(b, gr.Tab)]
    assert tabs[0] == "Fragen"
    from assistant.web.app import draft_builder

    assert ("Stellungnahme entwerfen" in tabs) == (draft_builder() is not None)
    assistant.settings = assistant.settings.with_(llm_base_url="http://127.0.0.1:9/v1")
    app = build_app(assistant, feedback=FeedbackStore(tmp_path / "f.sqlite"))
    assert [r.visible for r in app.blocks.values() if isinstance(r, gr.Radio) and r.elem_id == "modus"] == [True]

"""Sentence windows of a passage: the units the closeness compares a question with."""

from __future__ import annotations

from pathlib import Path

from ingest.language import WINDOW_MAX_CHARS, WINDOW_MIN_CHARS, normalise, sentence_windows, split_sentences

MINUTES = "nordstemmen/documents/meetings/2021-09-30_Rat_(30._Sitzung)/Oeffentliche_Niederschrift_Rat_30.09.2021.derived-text.txt"


def test_windows_of_real_minutes_keep_every_sentence_in_order(corpus: Path) -> None:
    text = (corpus / MINUTES).read_text(encoding="utf-8")[:6000]
    sentences = split_sentences(text)
    windows = sentence_windows(text)
    assert 1 < len(windows) < len(sentences)
    assert all(len(w) >= WINDOW_MIN_CHARS for w in windows[:-1]) and all(len(w) <= WINDOW_MAX_CHARS for w in windows)
    # each window is its sentences joined (a long one cut at the maximum), in the order of the text
    joined = " ".join(sentences)
    position = 0
    for window in windows:
        found = joined.find(window, position)
        assert found >= position, window
        position = found + len(window)


def test_short_passages_are_one_window() -> None:
    assert sentence_windows("Der Rat beschließt. Einstimmig.") == ["Der Rat beschließt. Einstimmig."]
    assert sentence_windows("") == []
    long = "Die Sanierung " + "der Grundschule " * 40 + "kostet 2 Mio. Euro."
    assert sentence_windows(long) == [normalise(long)[:WINDOW_MAX_CHARS]]

"""Tolerant OParl JSON reading: vendor control characters, cp1252, real failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.sources.oparl_json import OParlFormatError, clean_string, load_json_tolerant


def test_control_char_paper_parses(corpus: Path) -> None:
    path = corpus / "bad-input" / "braunschweig-allris-oparl-paper-control-chars.json"
    data = path.read_bytes()
    with pytest.raises(ValueError):
        json.loads(data)
    paper = load_json_tolerant(data, str(path))
    assert paper["reference"] == "1664/99"
    assert paper["web"].startswith("https://ratsinfo.braunschweig.de/")
    name = paper["name"]
    assert name.startswith("Volkshochschule Braunschweig e. V.")
    assert "beschränkter Haftung (GmbH)" in name
    assert not any(ord(c) < 32 and c not in "\r\n\t" for c in name)
    assert name.endswith("(GmbH)")  # binary garbage tail dropped


def test_cp1252_bytes_are_decoded() -> None:
    assert load_json_tolerant(b'{"name": "Stra\xdfe \x84neu\x93"}', "x.json") == {"name": "Straße „neu“"}


def test_utf8_bom_and_str_input() -> None:
    assert load_json_tolerant("\ufeff[1]".encode(), "a") == [1]
    assert load_json_tolerant('{"a": "b"}', "a") == {"a": "b"}


@pytest.mark.parametrize("data", [b'{"name": "abc"', b"", b"<html>Fehler</html>"])
def test_real_failure_names_location(data: bytes) -> None:
    with pytest.raises(OParlFormatError) as info:
        load_json_tolerant(data, "https://example.org/oparl/papers?page=3")
    assert "https://example.org/oparl/papers?page=3" in str(info.value)
    assert info.value.location == "https://example.org/oparl/papers?page=3"


def test_clean_string_keeps_line_breaks_and_maps_word_breaks() -> None:
    assert clean_string("a\tb\r\nc") == "a\tb\r\nc"
    assert clean_string("Zeile\x0bweiter\x00") == "Zeile weiter"
    assert clean_string("Anfrage\nText mit \x01 Steuerzeichen") == "Anfrage\nText mit  Steuerzeichen"

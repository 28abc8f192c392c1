"""Settings from the environment (pydantic-settings), and the README's table of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_environment_values_are_typed_and_empty_means_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COUNCIL_TOP_K", "7")
    monkeypatch.setenv("COUNCIL_OCR", "false")
    monkeypatch.setenv("COUNCIL_CHROMA_URL", "")
    monkeypatch.setenv("COUNCIL_INDEX", str(tmp_path / "idx"))
    s = Settings()
    assert (s.top_k, s.ocr, s.chroma_url, s.index_dir) == (7, False, "", tmp_path / "idx")
    monkeypatch.setenv("COUNCIL_TOP_K", "viele")
    with pytest.raises(ValidationError, match="COUNCIL_TOP_K"):
        Settings()


def test_a_changed_copy_is_validated_and_the_original_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COUNCIL_TOP_K", raising=False)
    s = Settings()
    t = s.with_(top_k=3, embedder="", reader_path="~/gewichte.json", answerer=None)
    assert (t.top_k, t.embedder, t.answerer) == (3, "", s.answerer) and s.top_k == 10
    assert t.reader_path == Path("~/gewichte.json").expanduser()
    with pytest.raises(ValidationError):
        s.with_(top_k="drei")
    with pytest.raises(ValidationError):
        t.top_k = 4  # type: ignore[misc]  # frozen: one process shares one settings object


def test_every_setting_is_in_the_readme_table() -> None:
    section = README.read_text(encoding="utf-8").split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`(COUNCIL_[A-Z_]+)`", section))
    described = {env for _name, env, description in Settings.describe() if description}
    assert len(described) == len(Settings.model_fields)  # every field has a description and a variable
    assert documented == described

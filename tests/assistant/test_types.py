"""The answer record's refusal reasons: one enum, each documented in the README's JSON section, nothing more."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

from assistant.types import Answer, RefusalReason

README = Path(__file__).resolve().parents[2] / "README.md"


def _documented_reasons() -> set[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("`refusal_reason` says why:")
    paragraph = text[start:text.index("\n\n", start)]
    names = set(re.findall(r"`([a-z]+(?:_[a-z]+)*)`", paragraph))
    return names - {f.name for f in fields(Answer)}


def test_every_refusal_reason_is_documented_and_every_documented_one_exists() -> None:
    assert _documented_reasons() == {reason.value for reason in RefusalReason}


def test_the_json_gives_the_reason_as_its_plain_value() -> None:
    answer = Answer(question="Wer?", text="…", refused=True, refusal_reason=RefusalReason.NO_TEXT)
    assert json.loads(json.dumps(answer.to_json()))["refusal_reason"] == "no_text"

"""Real provider replies, each quoted from a public source (real_replies.json), mapped to the
code and the fix a support engineer would give.

A reply's "words" must all appear in what the user reads (title, explanation, fix); "absent"
words must not (the false leads the issue-11 review found, e.g. "misspelled" for a sender
problem). The server's text itself is quoted in the explanation, so words are chosen from the
fix we add, not from the reply.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from smtpwizard.core.diagnosis import DiagnosisContext, classify_reply
from smtpwizard.core.settings import Security, ServerSettings

CORPUS: list[dict[str, Any]] = json.loads(
    (Path(__file__).with_name("real_replies.json")).read_text(encoding="utf-8")
)


def _id(entry: dict[str, Any]) -> str:
    return f"{entry['provider']}-{entry['code']}-{entry['expect']}"


@pytest.mark.parametrize("entry", CORPUS, ids=[_id(e) for e in CORPUS])
def test_real_reply_gets_the_support_engineer_s_answer(entry: dict[str, Any]) -> None:
    settings = ServerSettings(entry["host"], 587, Security.STARTTLS, "anna@example.com")
    ctx = DiagnosisContext(settings, signed_in=entry["signed_in"])
    d = classify_reply(entry["step"], entry["code"], entry["reply"], ctx)
    assert d.code == entry["expect"], (d.code, d.explanation, d.fix)
    text = f"{d.title} {d.explanation} {d.fix}".lower()
    # What we add, not the quoted reply, must carry the fix.
    ours = re.sub(r'\("[^"]*"\)', "", text)
    for word in entry["words"]:
        assert word in ours, (word, d.explanation, d.fix)
    for word in entry["absent"]:
        assert word not in text, (word, d.explanation, d.fix)
    assert "\n" not in d.explanation and "\ufffd" not in d.technical


def test_every_entry_names_a_public_source() -> None:
    for entry in CORPUS:
        assert entry["source"].startswith("https://"), entry
    assert len({e["source"] for e in CORPUS}) == len(CORPUS)

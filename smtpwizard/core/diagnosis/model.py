"""A diagnosis (stable code, plain words, fix) and the context it is made in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..servertext import clean
from ..settings import ServerSettings
from .catalogue import CATALOGUE, SECURITY_WORDS


@dataclass(frozen=True, slots=True)
class Diagnosis:
    code: str
    title: str
    explanation: str
    fix: str
    # Only the settings to change, e.g. {"security": "tls"}; None when we cannot know.
    suggestion: dict[str, Any] | None = None
    # True when applying the suggestion lowers a guard (trusting a certificate): ask first.
    needs_consent: bool = False
    step: str | None = None
    technical: str = ""  # the raw error or server reply, for the technical details
    # A host suggestion in another organisation's domain: the plain warning naming both
    # domains, and the words a person must tick before it is applied (organisations.py).
    warning: str = ""
    consent: str = ""

    @property
    def ok(self) -> bool:
        return self.code == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "explanation": self.explanation,
            "fix": self.fix,
            "suggestion": self.suggestion,
            "needs_consent": self.needs_consent,
            "step": self.step,
            "technical": self.technical,
            "warning": self.warning,
            "consent": self.consent,
        }


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


@dataclass(slots=True)
class DiagnosisContext:
    settings: ServerSettings
    fields: dict[str, Any] = field(default_factory=dict)
    # What the session knew when the reply came: the reply's meaning depends on it (a 5.7.1
    # from a server that offered AUTH to a client that did not sign in means "sign in first").
    auth_offered: bool = False
    signed_in: bool = False
    size_limit: int | None = None  # the SIZE the server announced, in bytes

    def values(self, extra: dict[str, Any]) -> _Defaults:
        values = _Defaults(
            host=self.settings.host,
            port=self.settings.port,
            security=SECURITY_WORDS[self.settings.security.value],
            username=self.settings.username or "(no username)",
        )
        values.update(self.fields)
        values.update(extra)
        return values


def make(
    code: str,
    context: DiagnosisContext,
    *,
    step: str | None = None,
    suggestion: dict[str, Any] | None = None,
    needs_consent: bool = False,
    technical: str = "",
    warning: str = "",
    consent: str = "",
    title: str | None = None,
    explanation: str | None = None,
    fix: str | None = None,
    **fields: Any,
) -> Diagnosis:
    entry = CATALOGUE[code]
    if suggestion and "security" in suggestion:
        fields.setdefault("suggested_security", SECURITY_WORDS[str(suggestion["security"])])
    values = context.values(fields)
    if "reply" in values:
        values["reply"] = shorten(str(values["reply"]))
    # Replies, certificate names and exception texts come from the other side: every value
    # and every finished text passes the boundary, so a Diagnosis only ever holds safe text.
    for key, value in values.items():
        if isinstance(value, str | bytes):
            values[key] = clean(value)
    return Diagnosis(
        code=code,
        title=clean((title or entry.title).format_map(values)),
        explanation=clean((explanation or entry.explanation).format_map(values)),
        fix=clean((fix or entry.fix).format_map(values)),
        suggestion=suggestion,
        needs_consent=needs_consent,
        step=step,
        technical=clean(technical, multiline=True)[:2000],
        warning=clean(warning),
        consent=clean(consent),
    )


def shorten(reply: str, limit: int = 160) -> str:
    text = " ".join(reply.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

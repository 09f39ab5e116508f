"""The DMARC check (RFC 7489): the policy, its reports, and whether your own mail can align.

Tags are read with dkimpy's tag=value parser (dkim.util.parse_tag_value): DMARC records use the
DKIM tag-list syntax (RFC 7489 6.4).
"""

from __future__ import annotations

import dkim.util

from ..discovery.domains import base_domain
from ..servertext import printable
from .context import Context, lookup_problem, shown
from .model import Check, CheckId, Fix, Status

__all__ = ["check_dmarc", "parse_dmarc"]

_TITLE = "DMARC: what receivers do with mail that fails"
_POLICIES = ("none", "quarantine", "reject")


def parse_dmarc(record: str) -> dict[str, str] | str:
    """The tags (lower-case names), or why the record is not valid."""
    try:
        raw = dkim.util.parse_tag_value(record.encode("ascii"))
    except UnicodeEncodeError:
        return "it contains characters that are not plain ASCII"
    except dkim.util.InvalidTagValueList as exc:
        return f"a part of it is not tag=value ({printable(repr(exc))})"
    tags = {k.decode().lower(): v.decode().strip() for k, v in raw.items()}
    if not record.lstrip().startswith("v=") or tags.get("v") != "DMARC1":
        return "it must start with v=DMARC1"
    policy = tags.get("p", "").lower()
    if policy not in _POLICIES:
        return f"p= must be none, quarantine or reject (it is {printable(policy)!r})"
    for tag in ("adkim", "aspf"):
        if tags.get(tag, "r").lower() not in ("r", "s"):
            return f"{tag}= must be r (relaxed) or s (strict)"
    pct = tags.get("pct", "100")
    if not pct.isdigit() or not 0 <= int(pct) <= 100:
        return f"pct= must be a number from 0 to 100 (it is {printable(pct)!r})"
    for uri in filter(None, (u.strip() for u in tags.get("rua", "").split(","))):
        if not uri.lower().startswith("mailto:") or "@" not in uri:
            return f"rua= must list mailto: addresses (found {printable(uri)!r})"
    return tags


async def check_dmarc(ctx: Context, spf: Check, dkim_check: Check, email: str | None) -> Check:
    name = f"_dmarc.{ctx.domain}"
    answer = await ctx.resolver.txt(name)
    inherited = False
    organisation = base_domain(ctx.domain)
    if not answer.failed and not _dmarc_records(answer.records) and organisation != ctx.domain:
        # RFC 7489 6.6.3: no record at the domain -> the organisational domain's applies
        answer = await ctx.resolver.txt(f"_dmarc.{organisation}")
        inherited = True
    if answer.failed:
        return Check(CheckId.DMARC, Status.WARN, _TITLE, lookup_problem(answer, "DMARC record"))
    records = _dmarc_records(answer.records)
    report_to = email or f"dmarc-reports@{ctx.domain}"
    starter = f"v=DMARC1; p=none; rua=mailto:{report_to}"
    if not records:
        return Check(
            CheckId.DMARC,
            Status.MISSING,
            _TITLE,
            f"{ctx.domain} has no DMARC record. Gmail, Yahoo and Outlook.com require one (at "
            "least p=none) from anyone sending more than about 5,000 messages a day, and it "
            "stops others from sending in your name once you tighten it.",
            fix=_fix(ctx, "add", _starter_words(report_to, email), starter),
        )
    if len(records) > 1:
        return Check(
            CheckId.DMARC,
            Status.FAIL,
            _TITLE,
            f"{len(records)} DMARC records are published; receivers ignore them all (RFC 7489 "
            "6.6.3 allows only one).",
            shown(records),
            _fix(ctx, "change", "Keep a single DMARC record, for example:", records[0]),
        )
    tags = parse_dmarc(records[0])
    if isinstance(tags, str):
        return Check(
            CheckId.DMARC,
            Status.FAIL,
            _TITLE,
            f"The DMARC record is not valid: {tags}. Receivers ignore it.",
            shown(records),
            _fix(ctx, "change", _starter_words(report_to, email), starter),
        )
    policy = tags["p"].lower()
    pct = int(tags.get("pct", "100"))
    rua = [u.strip() for u in tags.get("rua", "").split(",") if u.strip()]
    details: dict[str, object] = {
        "policy": policy,
        "subdomain_policy": tags.get("sp", policy).lower(),
        "adkim": tags.get("adkim", "r").lower(),
        "aspf": tags.get("aspf", "r").lower(),
        "pct": pct,
        "rua": rua,
        "inherited_from": organisation if inherited else None,
    }
    aligned = spf.status is Status.PASS or dkim_check.status in (Status.PASS, Status.WARN)
    seen = shown(records)
    if policy != "none" and not aligned:
        return Check(
            CheckId.DMARC,
            Status.FAIL,
            _TITLE,
            f"The DMARC policy is p={policy}, but neither SPF nor DKIM passes for your own mail, "
            f"so receivers will {'refuse' if policy == 'reject' else 'spam-folder'} it. Fix SPF "
            "and DKIM first, or set p=none until they pass.",
            seen,
            _fix(
                ctx,
                "change",
                "Until SPF or DKIM passes, change the DMARC record to:",
                _with_policy(records[0], "none"),
            ),
            details=details,
        )
    if not rua:
        value = f"{records[0].rstrip().rstrip(';')}; rua=mailto:{report_to}"
        return Check(
            CheckId.DMARC,
            Status.WARN,
            _TITLE,
            f"The DMARC policy is p={policy}, but no reporting address (rua=) is given, so you "
            "never learn who sends mail in your name or what fails.",
            seen,
            _fix(ctx, "change", "Add a reporting address:", value),
            details=details,
        )
    if policy != "none" and pct < 100:
        return Check(
            CheckId.DMARC,
            Status.WARN,
            _TITLE,
            f"The DMARC policy p={policy} applies to only {pct}% of failing mail "
            "(pct=); the rest is treated as p=none.",
            seen,
            details=details,
        )
    meaning = {
        "none": "receivers only report failures (monitoring); this meets the bulk-sender rules",
        "quarantine": "receivers spam-folder mail that fails",
        "reject": "receivers refuse mail that fails",
    }[policy]
    return Check(
        CheckId.DMARC,
        Status.PASS,
        _TITLE,
        f"The DMARC policy is p={policy}: {meaning}. Reports go to {', '.join(rua)}.",
        seen,
        details=details,
    )


def _dmarc_records(records: tuple[str, ...]) -> list[str]:
    return [r for r in records if r.replace(" ", "").lower().startswith("v=dmarc1")]


def _with_policy(record: str, policy: str) -> str:
    parts = [p.strip() for p in record.split(";") if p.strip()]
    changed = [f"p={policy}" if p.lower().replace(" ", "").startswith("p=") else p for p in parts]
    return "; ".join(changed)


def _starter_words(report_to: str, email: str | None) -> str:
    words = "Add this TXT record. It starts with p=none (only reports, nothing is blocked); "
    if email is None:
        words += f"make {report_to} a mailbox or alias you read, or put your own address there. "
    return words + "Move to p=quarantine once the reports show only your own servers."


def _fix(ctx: Context, action: str, summary: str, value: str) -> Fix:
    return Fix(action, summary, "TXT", f"_dmarc.{ctx.domain}", value, ctx.where, ctx.spread)

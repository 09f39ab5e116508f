"""The SPF check: the record as published, evaluated by pyspf for our server and for strangers."""

from __future__ import annotations

import asyncio
import ipaddress

from ..servertext import printable
from .context import Context, lookup_problem, shown
from .model import Check, CheckId, Fix, Status
from .spfeval import STRANGER, SpfEvaluation, SyncDns, evaluate

__all__ = ["check_spf", "fixed_record", "is_spf"]

_LIMIT = 10  # RFC 7208 4.6.4
_TITLE = "SPF: which servers may send as you"


def is_spf(text: str) -> bool:
    # RFC 7208 4.5: "v=spf1" exactly, then a space or the end
    return text.lower() == "v=spf1" or text.lower().startswith("v=spf1 ")


async def check_spf(ctx: Context) -> Check:
    answer = await ctx.resolver.txt(ctx.domain)
    if answer.failed:
        return Check(CheckId.SPF, Status.WARN, _TITLE, lookup_problem(answer, "SPF record"))
    records = [r for r in answer.records if is_spf(r)]
    if not records:
        return Check(
            CheckId.SPF,
            Status.MISSING,
            _TITLE,
            f"{ctx.domain} has no SPF record, so receivers cannot tell your mail from forgeries. "
            "Gmail, Yahoo and Outlook.com refuse or spam-folder mail with neither SPF nor DKIM.",
            fix=_fix(ctx, "add", _new_words(ctx), fixed_record(ctx, "v=spf1", ctx.addresses)),
        )
    if len(records) > 1:
        merged = fixed_record(ctx, " ".join(["v=spf1", *(_body(r) for r in records)]))
        return Check(
            CheckId.SPF,
            Status.FAIL,
            _TITLE,
            f"{ctx.domain} publishes {len(records)} SPF records. A domain may have only one: "
            "receivers treat several as an error (permerror) and ignore them all.",
            record=shown(records),
            fix=_fix(ctx, "change", "Replace all of them by this one TXT record:", merged),
        )
    record = records[0]
    try:
        stranger, *ours = await asyncio.wait_for(
            asyncio.gather(
                _evaluate(ctx, STRANGER, strict=False),
                *(_evaluate(ctx, a, strict=True) for a in ctx.addresses),
            ),
            timeout=max(0.1, ctx.left()),
        )
    except TimeoutError:
        stranger, ours = None, []
    if stranger is None or stranger.result == "temperror" or stranger.timed_out:
        return Check(
            CheckId.SPF,
            Status.WARN,
            _TITLE,
            "The SPF record could not be evaluated in time: the DNS servers it sends receivers "
            "to did not all answer. Receivers may see a temporary error (temperror) too.",
            record=shown(records),
        )
    details = {"lookups": stranger.lookups, "results": {e.address: e.result for e in ours}}
    problem = _record_problem(ctx, record, stranger)
    if problem is not None:
        text, fix = problem
        return Check(CheckId.SPF, Status.FAIL, _TITLE, text, shown(records), fix, details=details)
    refused = [e for e in ours if e.result != "pass"]
    if refused:
        return _not_authorised(ctx, record, refused, details)
    if stranger.mechanism.lower() in ("?all", "all", "+all") or stranger.result == "neutral":
        return Check(
            CheckId.SPF,
            Status.WARN,
            _TITLE,
            "The record ends in '?all', which tells receivers nothing about mail from servers "
            "it does not list, so forgeries are not marked. End it in '~all' (or '-all').",
            shown(records),
            _fix(ctx, "change", "Change the SPF record to:", fixed_record(ctx, record)),
            details=details,
        )
    who = (
        f"authorises {_list(ctx.addresses)} (the server {ctx.smtp_host})"
        if ours
        else "is valid (no sending server was given to evaluate it for)"
    )
    return Check(
        CheckId.SPF,
        Status.PASS,
        _TITLE,
        f"The SPF record {who} and needs {stranger.lookups} of the {_LIMIT} DNS lookups allowed.",
        shown(records),
        details=details,
    )


async def _evaluate(ctx: Context, address: str, *, strict: bool) -> SpfEvaluation:
    view = SyncDns(ctx.dns_server, ctx.deadline - 0.05, ctx.dns_timeout)
    return await asyncio.to_thread(evaluate, ctx.domain, address, view, strict=strict)


def _record_problem(ctx: Context, record: str, stranger: SpfEvaluation) -> tuple[str, Fix] | None:
    if stranger.result == "permerror":
        reason = stranger.explanation.removeprefix("SPF Permanent Error: ")
        if "lookups" in reason or "recursion" in reason:
            if "recursion" in reason or stranger.distinct_names <= _LIMIT < stranger.lookups:
                text = (
                    "The SPF record includes itself (directly or through another record it "
                    "includes): a loop. Receivers stop after 10 lookups and treat it as an error "
                    "(permerror), as if there were no SPF at all."
                )
                summary = "Remove the include that points back (an include of your own domain)."
                own = f"include:{ctx.domain}"
                if own in record.lower().split():
                    kept = " ".join(t for t in record.split() if t.lower() != own)
                    return text, _fix(ctx, "change", summary, fixed_record(ctx, kept))
            else:
                text = (
                    f"The SPF record needs {stranger.lookups} DNS lookups; receivers stop at "
                    f"{_LIMIT} and treat it as an error (permerror), as if there were no SPF."
                )
                summary = (
                    "Remove the include: entries of services you no longer send through, or "
                    "ask a service for its ip4:/ip6: ranges instead of include:."
                )
            return text, Fix("other", summary, where=ctx.where, spread=ctx.spread)
        if "Void lookup" in reason:
            text = (
                "More than two of the names the SPF record refers to do not exist; receivers "
                "treat that as an error (permerror)."
            )
            summary = "Remove the a:, mx:, include: or exists: entries whose names are gone."
            return text, Fix("other", summary, where=ctx.where, spread=ctx.spread)
        text = (
            f"The SPF record has an error that makes receivers ignore it (permerror): "
            f"{printable(reason)}."
        )
        repaired = _repaired(ctx, record)
        return text, _fix(ctx, "change", "Correct the record, for example to:", repaired)
    if stranger.result == "pass":
        text = (
            "The SPF record lets any server in the world send as you ('+all'): it authorises "
            "forgeries, and receivers treat it as a sign of spam."
        )
        value = fixed_record(ctx, record, ctx.addresses)
        return text, _fix(ctx, "change", "Change the SPF record to:", value)
    return None


def _not_authorised(
    ctx: Context, record: str, refused: list[SpfEvaluation], details: dict[str, object]
) -> Check:
    result = refused[0].result
    words = {
        "fail": "refuses it ('-all')",
        "softfail": "marks it as suspicious ('~all')",
        "neutral": "says nothing about it",
        "none": "says nothing about it",
    }.get(result, f"gives the result {result!r}")
    status = Status.WARN if result in ("neutral", "none") else Status.FAIL
    return Check(
        CheckId.SPF,
        status,
        _TITLE,
        f"The SPF record does not list the server you send through ({ctx.smtp_host}, "
        f"{_list([e.address for e in refused])}), so it {words}. Receivers count that "
        "against your mail unless DKIM passes.",
        shown([record]),
        _fix(
            ctx,
            "change",
            _change_words(ctx),
            fixed_record(ctx, record, [e.address for e in refused]),
        ),
        details=details,
    )


def fixed_record(ctx: Context, record: str, addresses: tuple[str, ...] | list[str] = ()) -> str:
    """record with what this provider (or else these server addresses) needs added, and a safe
    'all' at the end; "mx" when nothing is known about the sending server."""
    terms = _body(record).split()
    keep = [t for t in terms if t.lower().lstrip("+-~?") != "all"]
    ending = next((t for t in terms if t.lower().lstrip("+-~?") == "all"), "")
    have = {t.lower().lstrip("+") for t in keep}
    added: list[str] = []
    if ctx.provider is not None and ctx.provider.spf_include and ctx.provider_sends:
        added = [f"include:{i}" for i in ctx.provider.spf_include if f"include:{i}" not in have]
    else:
        for address in addresses:
            family = "ip6" if ipaddress.ip_address(address).version == 6 else "ip4"
            term = f"{family}:{address}"
            if term not in have and term not in added:
                added.append(term)
    if not keep and not added:
        added = ["mx"]
    redirect = [t for t in keep if t.lower().startswith("redirect=")]
    middle = [t for t in keep if t not in redirect]
    # RFC 7208 6.1: a redirect= is ignored when an "all" is present; without one it is the end.
    if redirect and not ending:
        tail: list[str] = []
    else:
        redirect = []
        tail = [ending if ending.lower() in ("-all", "~all") else "~all"]
    seen: list[str] = []
    for term in [*middle, *added]:
        if term.lower() not in (s.lower() for s in seen):
            seen.append(term)
    return " ".join(["v=spf1", *seen, *redirect, *tail])


def _repaired(ctx: Context, record: str) -> str:
    """A record keeping only the terms whose syntax pyspf accepts (checked one by one)."""
    good: list[str] = []
    for term in _body(record).split():
        # No time at all: a term that needs DNS is kept untested, and nothing is ever asked.
        probe = SyncDns(("127.0.0.1", 9), 0, 0)
        outcome = evaluate(ctx.domain, STRANGER, probe, record=f"v=spf1 {term}")
        if outcome.result != "permerror" or probe.asked:
            good.append(term)
    return fixed_record(ctx, " ".join(["v=spf1", *good]))


def _change_words(ctx: Context) -> str:
    if ctx.provider is not None and ctx.provider.spf_include and ctx.provider_sends:
        who = f"{ctx.provider.info.name}'s servers"
    else:
        who = f"{ctx.smtp_host}"
    return f"Change the SPF record to this (it keeps what is there and adds {who}):"


def _new_words(ctx: Context) -> str:
    if ctx.provider is not None and ctx.provider.spf_include and ctx.provider_sends:
        return f"Add this TXT record (it authorises {ctx.provider.info.name}'s servers):"
    if ctx.addresses:
        return f"Add this TXT record (it authorises {ctx.smtp_host}):"
    return (
        "Add this TXT record; 'mx' authorises the servers that receive your mail. If you send "
        "through another server, put ip4:ITS-ADDRESS in place of mx."
    )


def _body(record: str) -> str:
    return record[len("v=spf1") :].strip()


def _fix(ctx: Context, action: str, summary: str, value: str) -> Fix:
    return Fix(action, summary, "TXT", ctx.domain, value, ctx.where, ctx.spread)


def _list(items: tuple[str, ...] | list[str]) -> str:
    return ", ".join(items)

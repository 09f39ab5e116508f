"""The sending server's reverse DNS (PTR, forward-confirmed) and the domain's MX records."""

from __future__ import annotations

import asyncio

import dns.reversename

from ..discovery.dns import MxRecord
from ..servertext import printable
from .context import Context, shown
from .model import Check, CheckId, Fix, Status

__all__ = ["check_mx", "check_ptr"]

_PTR_TITLE = "Reverse DNS of your sending server"
_MX_TITLE = "MX: where replies to your mail go"
_MAX_NAMES = 10  # PTR names we confirm per address (RFC 7208 5.5 caps its PTR walk the same way)


async def check_ptr(ctx: Context) -> Check:
    """Every address of the SMTP server needs a PTR whose name resolves back to it (FCrDNS)."""
    if not ctx.addresses:
        return Check(
            CheckId.PTR,
            Status.WARN,
            _PTR_TITLE,
            f"The SMTP server {ctx.smtp_host} has no address in DNS, so its reverse DNS cannot "
            "be checked.",
        )
    results = await asyncio.gather(*(_confirm(ctx, a) for a in ctx.addresses))
    lines = [f"{address} -> {', '.join(names) or '(none)'}" for address, names, _ in results]
    details = {a: {"ptr": list(n), "confirmed": ok} for a, n, ok in results}
    missing = [a for a, names, _ in results if not names]
    unconfirmed = [a for a, names, ok in results if names and not ok]
    if missing:
        return Check(
            CheckId.PTR,
            Status.FAIL,
            _PTR_TITLE,
            f"The address {', '.join(missing)} of {ctx.smtp_host} has no reverse DNS (PTR) "
            "name. Gmail and Yahoo refuse or spam-folder mail from servers without one (this "
            "matters when that server delivers the mail itself).",
            shown(lines),
            _ptr_fix(ctx, missing),
            details=details,
        )
    if unconfirmed:
        return Check(
            CheckId.PTR,
            Status.FAIL,
            _PTR_TITLE,
            f"The reverse DNS name of {', '.join(unconfirmed)} does not point back to that "
            "address (forward-confirmed reverse DNS fails); receivers treat that like no PTR.",
            shown(lines),
            _ptr_fix(ctx, unconfirmed),
            details=details,
        )
    return Check(
        CheckId.PTR,
        Status.PASS,
        _PTR_TITLE,
        f"Every address of {ctx.smtp_host} has a reverse DNS name that points back to it.",
        shown(lines),
        details=details,
    )


async def _confirm(ctx: Context, address: str) -> tuple[str, tuple[str, ...], bool]:
    answer = await ctx.resolver.ptr(address)
    names = tuple(printable(n) for n in answer.records[:_MAX_NAMES])
    forward = await asyncio.gather(
        *(ctx.resolver.addresses(n) for n in answer.records[:_MAX_NAMES])
    )
    return address, names, any(address in f.records for f in forward)


def _ptr_fix(ctx: Context, addresses: list[str]) -> Fix:
    return Fix(
        "other",
        f"Reverse DNS is set by whoever owns the address ({', '.join(addresses)}), not in your "
        f"domain's DNS: ask the server's hosting company or internet provider to set its PTR to "
        f"{ctx.smtp_host}, and make sure {ctx.smtp_host} resolves to that address. If your mail "
        "provider runs this server, it does this for you.",
        record_type="PTR",
        name=dns.reversename.from_address(addresses[0]).to_text(omit_final_dot=True),
        value=ctx.smtp_host or "",
        where="At the hosting company or internet provider that owns the server's address.",
        spread=ctx.spread,
    )


def check_mx(
    ctx: Context, answer_records: tuple[MxRecord, ...], reason: str, failed: bool
) -> Check:
    lines = [f"{r.preference} {r.host or '.'}" for r in answer_records]
    if failed:
        return Check(
            CheckId.MX,
            Status.WARN,
            _MX_TITLE,
            f"Could not look up the MX records: {printable(reason)}.",
        )
    if not answer_records:
        return Check(
            CheckId.MX,
            Status.WARN,
            _MX_TITLE,
            f"{ctx.domain} has no MX record, so replies to your mail cannot be delivered, and "
            "some receivers distrust senders whose domain cannot receive mail.",
            None,
            Fix(
                "other",
                "Add the MX records your mail provider gives you for receiving mail.",
                "MX",
                ctx.domain,
                "",
                ctx.where,
                ctx.spread,
            ),
        )
    if all(not r.host for r in answer_records):
        return Check(
            CheckId.MX,
            Status.WARN,
            _MX_TITLE,
            f"{ctx.domain} publishes a null MX ('.'): it says it receives no mail, so replies "
            "bounce and some receivers refuse mail from it (RFC 7505).",
            shown(lines),
        )
    return Check(
        CheckId.MX,
        Status.PASS,
        _MX_TITLE,
        f"{ctx.domain} receives mail at {printable(answer_records[0].host)}.",
        shown(lines),
    )

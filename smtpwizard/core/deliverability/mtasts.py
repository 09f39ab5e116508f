"""MTA-STS (RFC 8461) and TLS reporting (RFC 8460): does the domain ask senders for TLS?

The policy file is fetched with discovery's WebFetcher: its size and time caps, certificate
checks (plus --ca-file) and DNS view; text/plain only and never through a redirect (RFC 8461 3.3).
"""

from __future__ import annotations

from ..discovery.domains import host_matches
from ..discovery.model import DiscoveryOptions
from ..discovery.webfetch import FetchError, WebFetcher
from ..servertext import printable
from .context import Context, lookup_problem, shown
from .model import Check, CheckId, Fix, Status

__all__ = ["check_mta_sts", "check_tls_rpt", "parse_policy"]

_STS_TITLE = "MTA-STS: mail to you only over verified TLS"
_RPT_TITLE = "TLS reports: hear about failed secure deliveries"
_POLICY_CAP = 64 * 1024  # RFC 8461 3.3 lets clients limit the policy's size; 64 KiB is generous
_MAX_AGE = 31557600  # RFC 8461 3.2: at most one year


def parse_policy(text: str) -> dict[str, list[str]] | str:
    """key -> values (mx may repeat), or why the policy is not valid (RFC 8461 3.2)."""
    fields: dict[str, list[str]] = {}
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon:
            return f"the line {printable(line[:80])!r} is not 'key: value'"
        fields.setdefault(key.strip().lower(), []).append(value.strip())
    if fields.get("version") != ["STSv1"]:
        return "it must say 'version: STSv1'"
    mode = fields.get("mode", [""])
    if len(mode) != 1 or mode[0] not in ("enforce", "testing", "none"):
        return "'mode:' must be enforce, testing or none"
    age = fields.get("max_age", [""])
    if len(age) != 1 or not age[0].isdigit() or int(age[0]) > _MAX_AGE:
        return f"'max_age:' must be a number of seconds up to {_MAX_AGE}"
    if mode[0] != "none" and not fields.get("mx"):
        return "it lists no 'mx:' lines"
    return fields


async def check_mta_sts(
    ctx: Context, mx_hosts: tuple[str, ...], options: DiscoveryOptions
) -> Check:
    answer = await ctx.resolver.txt(f"_mta-sts.{ctx.domain}")
    if answer.failed:
        return _sts(Status.WARN, lookup_problem(answer, "MTA-STS record"))
    records = [r for r in answer.records if r.replace(" ", "").startswith("v=STSv1")]
    if not records:
        return _sts(
            Status.MISSING,
            "No MTA-STS policy: servers sending mail to you may fall back to unencrypted "
            "delivery if someone interferes. Optional, but it protects your incoming mail.",
            fix=_sts_fix(ctx, mx_hosts),
        )
    seen = shown(records)
    if len(records) > 1 or "id=" not in records[0].replace(" ", ""):
        return _sts(
            Status.FAIL,
            "The _mta-sts TXT record must be exactly one 'v=STSv1; id=...' record; senders "
            "ignore the policy otherwise.",
            seen,
            _sts_fix(ctx, mx_hosts),
        )
    async with WebFetcher(options, ctx.resolver) as fetcher:
        url = fetcher.url("https", f"mta-sts.{ctx.domain}", "/.well-known/mta-sts.txt")
        try:
            document = await fetcher.get_document(
                url,
                timeout=max(0.1, min(ctx.left(), 10.0)),
                media_types=frozenset({"text/plain"}),
                redirects=False,
            )
        except FetchError as exc:
            return _sts(
                Status.FAIL,
                f"The MTA-STS record is published but its policy cannot be fetched: "
                f"{printable(exc.reason)}. Senders that remember an older policy may stop "
                "delivering to you.",
                seen,
                _sts_fix(ctx, mx_hosts),
            )
    text = document.data.decode("utf-8", "replace")
    policy = parse_policy(text)
    seen = f"{seen}\n{shown([text])}"
    if isinstance(policy, str):
        return _sts(
            Status.FAIL,
            f"The MTA-STS policy file is not valid: {policy}.",
            seen,
            _sts_fix(ctx, mx_hosts),
        )
    mode = policy["mode"][0]
    unmatched = [h for h in mx_hosts if not any(_mx_match(h, p) for p in policy.get("mx", []))]
    details: dict[str, object] = {
        "mode": mode,
        "mx": policy.get("mx", []),
        "unmatched_mx": unmatched,
    }
    if unmatched and mode != "none":
        status = Status.FAIL if mode == "enforce" else Status.WARN
        return _sts(
            status,
            f"The MTA-STS policy does not list your mail server(s) {', '.join(unmatched)}; in "
            "enforce mode senders refuse to deliver to them.",
            seen,
            _sts_fix(ctx, mx_hosts),
            details,
        )
    if mode != "enforce":
        return _sts(
            Status.WARN,
            f"The MTA-STS policy is in '{mode}' mode: senders report problems but still deliver "
            "without TLS. Switch to 'mode: enforce' once the TLS reports are clean.",
            seen,
            details=details,
        )
    return _sts(
        Status.PASS,
        "An MTA-STS policy in enforce mode covers your mail servers.",
        seen,
        details=details,
    )


def _mx_match(host: str, pattern: str) -> bool:
    # RFC 8461 4.1: "*." matches exactly one leftmost label
    pattern = pattern.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return host_matches(host, pattern)


def _sts(
    status: Status,
    text: str,
    record: str | None = None,
    fix: Fix | None = None,
    details: dict[str, object] | None = None,
) -> Check:
    return Check(CheckId.MTA_STS, status, _STS_TITLE, text, record, fix, True, details or {})


def _sts_fix(ctx: Context, mx_hosts: tuple[str, ...]) -> Fix:
    lines = ["version: STSv1", "mode: testing", *(f"mx: {h}" for h in mx_hosts), "max_age: 604800"]
    return Fix(
        "add",
        f"Publish this policy as text/plain at https://mta-sts.{ctx.domain}/.well-known/"
        "mta-sts.txt (a web server with a valid certificate for that name), then add the TXT "
        f"record at _mta-sts.{ctx.domain}: v=STSv1; id=1 (change the id whenever the policy "
        "changes). Policy file:\n" + "\n".join(lines),
        "TXT",
        f"_mta-sts.{ctx.domain}",
        "v=STSv1; id=1",
        ctx.where,
        ctx.spread,
    )


async def check_tls_rpt(ctx: Context, email: str | None) -> Check:
    name = f"_smtp._tls.{ctx.domain}"
    answer = await ctx.resolver.txt(name)
    fix = Fix(
        "add",
        "Add this TXT record to receive daily reports of failed secure deliveries:",
        "TXT",
        name,
        f"v=TLSRPTv1; rua=mailto:{email or f'tls-reports@{ctx.domain}'}",
        ctx.where,
        ctx.spread,
    )
    if answer.failed:
        return _rpt(Status.WARN, lookup_problem(answer, "TLS reporting record"))
    records = [r for r in answer.records if r.replace(" ", "").startswith("v=TLSRPTv1")]
    if not records:
        return _rpt(Status.MISSING, "No TLS reporting address is published (optional).", None, fix)
    tags = dict(
        (k.strip().lower(), v.strip())
        for k, _, v in (p.partition("=") for p in records[0].split(";") if p.strip())
    )
    uris = [u.strip() for u in tags.get("rua", "").split(",") if u.strip()]
    if len(records) > 1 or not uris or not all(u.startswith(("mailto:", "https:")) for u in uris):
        return _rpt(
            Status.FAIL,
            "The TLS reporting record must be one 'v=TLSRPTv1; rua=mailto:...' record (or "
            "rua=https:...); senders ignore it otherwise.",
            shown(records),
            fix,
        )
    return _rpt(Status.PASS, f"TLS failure reports go to {', '.join(uris)}.", shown(records))


def _rpt(status: Status, text: str, record: str | None = None, fix: Fix | None = None) -> Check:
    return Check(CheckId.TLS_RPT, status, _RPT_TITLE, text, record, fix, True)

"""The DKIM check: a public key at the selectors the provider signs with, and its strength.

Keys are read by dkimpy's own parser (dkim.evaluate_pk in dkimpy 1.1.8, dkim/__init__.py): the
same code that verifies signatures, so a key it cannot read is one verifiers cannot use.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass

import dkim
import dkim.util

from ..servertext import printable
from .context import Context, shown
from .model import Check, CheckId, Fix, Status

__all__ = ["COMMON_SELECTORS", "DkimKey", "check_dkim", "read_key"]

# Tried for every domain after the user's and the provider's own: cPanel/Plesk hosting
# ("default"), Microsoft 365, Google, Mailchimp (k1), SendGrid (s1/s2) and common home-made names.
COMMON_SELECTORS = ("default", "selector1", "selector2", "google", "k1", "s1", "s2", "dkim", "mail")
_MIN_BITS = 1024  # big receivers refuse shorter RSA keys (RFC 8301 3.2)
_GOOD_BITS = 2048
_TITLE = "DKIM: your mail's signature key"


@dataclass(frozen=True, slots=True)
class DkimKey:
    selector: str
    record: str
    key_type: str  # "rsa", "ed25519", or "" when unreadable
    bits: int  # 0 when unreadable or revoked
    problem: str  # why it cannot be used ("" when it can)


def read_key(selector: str, record: str) -> DkimKey:
    try:
        tags = dkim.util.parse_tag_value(record.encode("ascii"))
    except (UnicodeEncodeError, dkim.util.InvalidTagValueList) as exc:
        return DkimKey(selector, record, "", 0, f"the record is not a valid DKIM key ({exc!r})")
    key_type = tags.get(b"k", b"rsa").decode("ascii", "replace").lower()
    if not tags.get(b"p"):
        return DkimKey(selector, record, key_type, 0, "the key is revoked (empty p=)")
    if key_type == "ed25519":
        # dkimpy needs PyNaCl to load one; the size is fixed (RFC 8463: 32-byte keys).
        try:
            raw = base64.b64decode(tags[b"p"], validate=True)
        except binascii.Error:
            raw = b""
        if len(raw) != 32:
            return DkimKey(selector, record, key_type, 0, "the Ed25519 key is not 32 bytes")
        return DkimKey(selector, record, key_type, 256, "")
    try:
        _pk, bits, ktag, _tlsrpt = dkim.evaluate_pk(selector.encode(), record.encode("ascii"))
    except (dkim.DKIMException, ValueError, TypeError) as exc:
        return DkimKey(selector, record, key_type, 0, f"the key cannot be read ({exc})")
    if bits is None:  # a key for another service (s= tag)
        return DkimKey(selector, record, key_type, 0, "the key is not for email (s= tag)")
    return DkimKey(selector, record, ktag.decode("ascii"), int(bits), "")


async def check_dkim(ctx: Context, named: tuple[str, ...]) -> Check:
    provider = ctx.provider.dkim_selectors if ctx.provider else ()
    selectors = list(dict.fromkeys([*named, *provider, *COMMON_SELECTORS]))
    names = [f"{s}._domainkey.{ctx.domain}" for s in selectors]
    try:
        answers = await asyncio.wait_for(
            asyncio.gather(*(ctx.resolver.txt(n) for n in names)), timeout=max(0.1, ctx.left())
        )
    except TimeoutError:
        return Check(
            CheckId.DKIM, Status.WARN, _TITLE, "The DNS server did not answer in time about DKIM."
        )
    keys: list[DkimKey] = []
    failed = [n for n, a in zip(names, answers, strict=True) if a.failed]
    for selector, answer in zip(selectors, answers, strict=True):
        for record in answer.records:
            if "p=" in record.replace(" ", "") or record.lower().startswith("v=dkim1"):
                keys.append(read_key(selector, record))
    details = {"selectors_tried": selectors, "keys": [_key_json(k) for k in keys]}
    usable = [k for k in keys if not k.problem]
    seen = shown([f"{k.selector}._domainkey: {k.record}" for k in keys])
    if not keys and failed:
        return Check(
            CheckId.DKIM,
            Status.WARN,
            _TITLE,
            f"DKIM could not be checked: {len(failed)} of {len(names)} lookups got no answer "
            f"(for example {failed[0]}: {printable(answers[names.index(failed[0])].reason)}).",
            details=details,
        )
    if not keys:
        text = (
            f"No DKIM key was found for {ctx.domain} (selectors tried: {', '.join(selectors)}). "
            "Without DKIM, mail relies on SPF alone and breaks when it is forwarded."
        )
        if named and not any(a.records for a in answers[: len(named)]):
            text += f" The selector you named ({', '.join(named)}) has no key."
        return Check(
            CheckId.DKIM, Status.MISSING, _TITLE, text, None, _turn_on(ctx), details=details
        )
    weak = [k for k in usable if k.key_type == "rsa" and k.bits < _MIN_BITS]
    strong = [k for k in usable if k not in weak]
    if not strong:
        bad = weak or keys
        words = "; ".join(
            f"{k.selector}: {k.bits}-bit RSA"
            if k in weak
            else f"{k.selector}: {printable(k.problem)}"
            for k in bad
        )
        text = f"The DKIM key cannot be trusted ({words})."
        if weak:
            text += f" Gmail, Yahoo and Outlook.com ignore RSA keys under {_MIN_BITS} bits."
        return Check(CheckId.DKIM, Status.FAIL, _TITLE, text, seen, _new_key(ctx), details=details)
    best = max(strong, key=lambda k: (k.key_type == "rsa", k.bits))
    if best.key_type == "rsa" and best.bits < _GOOD_BITS:
        return Check(
            CheckId.DKIM,
            Status.WARN,
            _TITLE,
            f"A {best.bits}-bit RSA key is published at selector '{best.selector}'. It works "
            f"today, but {_GOOD_BITS} bits is the recommended size.",
            seen,
            _new_key(ctx),
            details=details,
        )
    if best.key_type != "rsa":
        return Check(
            CheckId.DKIM,
            Status.WARN,
            _TITLE,
            f"Only an Ed25519 key is published (selector '{best.selector}'). Many receivers "
            "verify only RSA signatures: sign with an RSA key as well.",
            seen,
            _new_key(ctx),
            details=details,
        )
    return Check(
        CheckId.DKIM,
        Status.PASS,
        _TITLE,
        f"A {best.bits}-bit RSA key is published at selector '{best.selector}'.",
        seen,
        details=details,
    )


def _key_json(key: DkimKey) -> dict[str, object]:
    return {
        "selector": key.selector,
        "type": key.key_type,
        "bits": key.bits,
        "problem": key.problem,
    }


def _turn_on(ctx: Context) -> Fix:
    who = ctx.provider.info.name if ctx.provider else "your mail provider"
    return Fix(
        "other",
        f"Turn on DKIM signing for {ctx.domain} in {who}'s admin settings: it creates the key and "
        "shows the record to add (usually a TXT or CNAME at SELECTOR._domainkey."
        f"{ctx.domain}). If you already did, it uses a selector not tried here: name it with "
        f"'smtpwizard deliverability {ctx.domain} --selector NAME'.",
        where=ctx.where,
        spread=ctx.spread,
    )


def _new_key(ctx: Context) -> Fix:
    who = ctx.provider.info.name if ctx.provider else "your mail provider"
    return Fix(
        "change",
        f"Create a new {_GOOD_BITS}-bit RSA DKIM key in {who}'s admin settings and publish the "
        "record it shows (then remove the old one once mail is signed with the new key).",
        where=ctx.where,
        spread=ctx.spread,
    )

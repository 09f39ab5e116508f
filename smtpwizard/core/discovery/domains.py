"""Domain arithmetic: base domains (Public Suffix List aware) and host-name patterns."""

from __future__ import annotations

import functools
import re

from publicsuffixlist import PublicSuffixList


@functools.cache
def _psl() -> PublicSuffixList:
    # Loading the bundled list takes ~40 ms: do it once, on first use.
    return PublicSuffixList()


def base_domain(host: str) -> str:
    """The registrable domain: mx.bbc.co.uk -> bbc.co.uk, a.b.example.test -> example.test.

    A name that is itself a public suffix (or a single label) is returned unchanged.
    """
    name = host.rstrip(".").lower()
    base = _psl().privatesuffix(name)
    return base if isinstance(base, str) else name


def same_base_domain(a: str, b: str) -> bool:
    return base_domain(a) == base_domain(b)


def parent_domain(host: str) -> str | None:
    """The host minus its first label (mx1.mail.example.com -> mail.example.com), if any."""
    labels = host.rstrip(".").lower().split(".")
    return ".".join(labels[1:]) if len(labels) > 2 else None


@functools.cache
def _compile(pattern: str) -> re.Pattern[str]:
    # "*" stands for one or more whole labels; anything else is literal.
    parts = [re.escape(part) for part in pattern.lower().split("*")]
    return re.compile("^" + r"[a-z0-9-]+(?:\.[a-z0-9-]+)*".join(parts) + "$")


def host_matches(host: str, pattern: str) -> bool:
    """Case-insensitive match; "*.protection.outlook.com" matches any depth below it."""
    return bool(_compile(pattern).match(host.rstrip(".").lower()))


def pattern_specificity(pattern: str) -> int:
    """More literal characters = more specific: the most specific match wins."""
    return len(pattern.replace("*", ""))

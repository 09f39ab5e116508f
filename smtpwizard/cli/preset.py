"""`smtpwizard preset new` writes a preset from verified settings; `preset check` reads one."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from .commands import COMMANDS
from .common import (
    EXIT_OK,
    add_network_options,
    ca_file_from,
    fail_usage,
    print_json,
    resolver_from,
)


def add_parsers(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "preset",
        help=COMMANDS["preset"].help,
        description="A preset gives customers a desk's settings, pre-filled and locked where it "
        "says (docs/preset-format.md). Use it with: smtpwizard gui --preset, check --preset.",
    )
    actions: Any = parser.add_subparsers(dest="preset_command", metavar="ACTION", required=True)
    new = actions.add_parser("new", help="write a preset from a saved, verified profile")
    new.add_argument("--profile", metavar="NAME", required=True, help="the wizard's saved settings")
    new.add_argument("-o", "--output", metavar="FILE", type=Path, required=True)
    new.add_argument("--organisation", metavar="NAME", help="who the desk is (default: the domain)")
    new.add_argument("--support-email", metavar="ADDRESS", default="")
    new.add_argument("--support-phone", metavar="NUMBER", default="")
    new.add_argument("--support-web", metavar="URL", default="", help="an https:// page")
    new.add_argument(
        "--domain",
        action="append",
        default=[],
        help="address domain it is for (default: the profile's); may be repeated; *.example.com",
    )
    new.add_argument(
        "--user-may-change",
        metavar="FIELDS",
        default="",
        help="comma-separated fields customers may change: host, port, security, username "
        "(default: none, everything fixed)",
    )
    new.add_argument("--oauth-client-id", metavar="ID")
    new.add_argument("--force", action="store_true", help="replace FILE if it exists")
    new.set_defaults(handler=run_preset_new)

    check = actions.add_parser("check", help="read a preset and show what it sets")
    check.add_argument("location", metavar="FILE|URL")
    add_network_options(check)
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=run_preset_check)


def run_preset_new(args: argparse.Namespace) -> int:
    from ..core.atomic import atomic_write_text
    from ..core.desk.preset import parse_preset
    from ..core.desk.preset_profile import preset_document_from_profile
    from ..core.profiles import load_profile

    target: Path = args.output
    if target.exists() and not args.force:
        fail_usage(f"{target} exists; add --force to replace it.")
    if not target.parent.resolve().is_dir():
        fail_usage(f"{target}: the folder {target.parent} does not exist.")
    profile = load_profile(args.profile)
    document = preset_document_from_profile(
        profile,
        organisation=args.organisation,
        email=args.support_email,
        phone=args.support_phone,
        web=args.support_web,
        domains=args.domain,
        user_may_change=[f.strip() for f in args.user_may_change.split(",") if f.strip()],
        oauth_client_id=args.oauth_client_id,
    )
    # Written only after it reads back as a valid preset: the desk never ships a broken one.
    preset = parse_preset(document.encode("utf-8"), target.name)
    atomic_write_text(target, document, mode=0o644)
    server = preset.servers[0]
    print(
        f"Wrote {target}: {preset.organisation}, {server.host} port {server.port} "
        f"({server.security.value}) for {', '.join(preset.domains) or 'any domain'}."
    )
    return EXIT_OK


def run_preset_check(args: argparse.Namespace) -> int:
    from ..core.desk.preset_source import read_preset

    preset = asyncio.run(
        read_preset(args.location, resolver=resolver_from(args), ca_file=ca_file_from(args))
    )
    if args.json:
        print_json(preset.to_dict())
        return EXIT_OK
    print(f"Settings from {preset.origin}: {preset.organisation}")
    for server in preset.servers:
        print(f"  server {server.host} port {server.port} ({server.security.value})")
    print(f"  username {preset.username}; for {', '.join(preset.domains) or 'any domain'}")
    changeable = ", ".join(sorted(preset.user_may_change)) or "nothing (all fixed)"
    print(f"  customers may change: {changeable}")
    contact = " ".join(x for x in (preset.email, preset.phone, preset.web) if x)
    if contact:
        print(f"  support: {contact}")
    return EXIT_OK

"""Writing a value so the target's own parser reads back exactly that value.

One function per syntax. Each either returns a literal that round-trips exactly, or raises
ValueNotRepresentable with a plain message when the syntax has no way to hold the value (a line
break in a one-line config value, say). User values never go into comments: a comment cannot
escape anything (PHP's `?>` and XML's `--` end them early).
"""

from __future__ import annotations

import json
import re
import shlex
from urllib.parse import quote

from .base import ValueNotRepresentable

__all__ = [
    "csharp_string",
    "dotenv_value",
    "env_file_value",
    "gitconfig_value",
    "goini_value",
    "ini_value",
    "js_string",
    "mailbox",
    "msmtp_value",
    "muttrc_string",
    "php_string",
    "properties_key_value",
    "python_string",
    "refuse_line_breaks",
    "ruby_dotenv_value",
    "ruby_string",
    "shell_word",
    "url_part",
    "xml_text",
    "yaml_string",
]

# XML 1.0 allows only these characters; anything else makes the document ill-formed.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAKS = ("\r", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _what(field: str) -> str:
    return field.replace("_", " ")


def refuse_line_breaks(value: str, field: str, syntax: str) -> str:
    """For one-line syntaxes (INI, msmtp, Postfix maps): line breaks and NUL cannot be held."""
    if "\x00" in value or any(br in value for br in _LINE_BREAKS):
        raise ValueNotRepresentable(
            f"The {_what(field)} contains a line break or control character, which "
            f"{syntax} cannot hold. Please remove it and export again.",
            field,
        )
    return value


def _refuse_nul(value: str, field: str, syntax: str) -> None:
    if "\x00" in value:
        raise ValueNotRepresentable(
            f"The {_what(field)} contains a NUL character, which {syntax} cannot hold.", field
        )


def xml_text(value: str, field: str = "value") -> str:
    """Element text or attribute value (quotes escaped too, so it fits both)."""
    if _XML_INVALID.search(value):
        raise ValueNotRepresentable(
            f"The {_what(field)} contains a control character that XML cannot hold.", field
        )
    out = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = out.replace('"', "&quot;").replace("'", "&apos;")
    # A literal CR/LF/TAB would be normalised away by the XML parser: keep them as references.
    return out.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;")


def php_string(value: str, field: str = "value") -> str:
    """Single-quoted PHP string: only backslash and quote are special; NUL is fine in PHP."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def js_string(value: str, field: str = "value") -> str:
    """JSON is valid JavaScript since ES2019 (U+2028/9 included); also Thunderbird prefs."""
    return json.dumps(value, ensure_ascii=False)


def python_string(value: str, field: str = "value") -> str:
    return repr(value)


def ruby_string(value: str, field: str = "value") -> str:
    """Single-quoted Ruby string: no interpolation; only backslash and quote are special."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def csharp_string(value: str, field: str = "value") -> str:
    """Regular C# string literal; line-break characters must be escaped in it."""
    out = []
    for char in value:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif _CONTROL.match(char) or char in "\x85\u2028\u2029":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def yaml_string(value: str, field: str = "value") -> str:
    """Double-quoted YAML 1.1/1.2 scalar (SnakeYAML, PyYAML): every break escaped."""
    out = []
    for char in value:
        code = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif char in "\u2028\u2029\ufeff":
            out.append(f"\\u{code:04x}")
        elif code > 0xFFFF:
            out.append(f"\\U{code:08x}")  # some YAML readers refuse raw astral characters
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def properties_key_value(key: str, value: str, field: str = "value") -> str:
    """One java.util.Properties line, ASCII only (\\uXXXX) so ISO-8859-1 and UTF-8 readers agree."""
    out = []
    for index, char in enumerate(value):
        code = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif char == "\f":
            out.append("\\f")
        elif char == " " and index == 0:
            out.append("\\ ")  # leading blanks of a value are dropped unless escaped
        elif char in "#!=:" and index == 0:
            out.append("\\" + char)
        elif code < 0x20 or code > 0x7E:
            units = char.encode("utf-16-be")
            for i in range(0, len(units), 2):
                out.append(f"\\u{int.from_bytes(units[i : i + 2], 'big'):04x}")
        else:
            out.append(char)
    return f"{key}={''.join(out)}"


def dotenv_value(value: str, field: str = "value") -> str:
    r"""A .env value that vlucas/phpdotenv (Laravel) and Symfony Dotenv read back exactly, and
    that a shell sourcing the file (`set -a; . ./.env`) takes as data, never as a command.

    Single quotes when the value allows it: both parsers and the shell read them literally (no
    escapes, no ${...}, no backticks). Otherwise double quotes with \\ \" \$ escaped, which the
    three read alike; a backtick cannot be made inert there for all three (phpdotenv refuses
    "\`"), so a value with a backtick next to a single quote or control character is refused.
    """
    _refuse_nul(value, field, "a .env file")
    if "'" not in value and value.isprintable():
        return "'" + value + "'"
    if "`" in value:
        raise ValueNotRepresentable(
            f"The {_what(field)} contains a backtick (`) next to a ' or a control character, "
            "which a .env file cannot hold so that a shell reading the file would not run "
            "part of it. Export without it and set it in the environment instead.",
            field,
        )
    out = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("$", "\\$")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return '"' + out + '"'


def gitconfig_value(value: str, field: str = "value") -> str:
    """Double-quoted git-config value: \\\\, \\", \\n, \\t are git's escapes."""
    _refuse_nul(value, field, "a git config file")
    if "\r" in value:
        raise ValueNotRepresentable(
            f"The {_what(field)} contains a carriage return, which git config cannot hold.", field
        )
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return '"' + out + '"'


def msmtp_value(value: str, field: str = "value") -> str:
    """msmtp (checked with 1.8.23) takes the rest of the line, trimmed, and drops one pair of
    outer double quotes; it has no escapes. So wrapping in quotes keeps any one-line value."""
    refuse_line_breaks(value, field, "an msmtp configuration file")
    return f'"{value}"'


def ini_value(value: str, field: str = "value") -> str:
    """Windows INI (GetPrivateProfileString): one line; it strips blanks and one pair of outer
    quotes, so a value that starts or ends with either is wrapped in quotes to survive."""
    refuse_line_breaks(value, field, "an Outlook profile (PRF) file")
    if value != value.strip() or value[:1] in "\"'" or value[-1:] in "\"'":
        return f'"{value}"'
    return value


def shell_word(value: str, field: str = "value") -> str:
    refuse_line_breaks(value, field, "a one-line shell command")
    return shlex.quote(value)


def url_part(value: str) -> str:
    """User or password inside a URL (Symfony DSN): everything but unreserved characters."""
    return quote(value, safe="")


def mailbox(display_name: str, address: str) -> str:
    """RFC 5322 name-addr, quoting the name when it holds specials; no RFC 2047 encoding
    (the framework encodes non-ASCII names when it sends)."""
    refuse_line_breaks(display_name, "display_name", "an email header")
    if not display_name:
        return address
    if re.fullmatch(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ \u0080-\U0010ffff]+", display_name) and (
        display_name == display_name.strip()
    ):
        return f"{display_name} <{address}>"
    escaped = display_name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}" <{address}>'


def goini_value(value: str, field: str = "value") -> str:
    """A value go-ini (gopkg.in/ini.v1 parser.go readValue, v1.67; Gitea, Forgejo, Grafana) reads
    back literally: inside backticks nothing is special (no # or ; comment, no quote trimming,
    no continuation), otherwise inside triple double quotes."""
    refuse_line_breaks(value, field, "an INI file read by go-ini")
    if "`" not in value:
        return f"`{value}`"
    if '"""' not in value and not value.endswith('"'):
        return f'"""{value}"""'
    raise ValueNotRepresentable(
        f'The {_what(field)} contains both ` and """, which this INI file cannot hold.', field
    )


def muttrc_string(value: str, field: str = "value") -> str:
    """A mutt/neomutt rc word: single quotes take everything literally (no $VAR, no `command`);
    a value holding ' goes in double quotes with \\ " $ ` escaped (mutt's extract_token)."""
    refuse_line_breaks(value, field, "a mutt configuration file")
    if "'" not in value:
        return f"'{value}'"
    out = "".join("\\" + char if char in '\\"$`' else char for char in value)
    return f'"{out}"'


def env_file_value(value: str, field: str, syntax: str) -> str:
    """A value for .env readers that take single quotes literally (dotenvy, Docker Compose's
    env_file): single quotes, or double quotes (only \\ and " escaped) when the value holds a
    single quote; a value with both ' and $ cannot be written safely for every such reader."""
    refuse_line_breaks(value, field, syntax)
    if "'" not in value:
        return f"'{value}'"
    if "$" in value:
        raise ValueNotRepresentable(
            f"The {_what(field)} contains both ' and $, which {syntax} cannot hold safely. "
            "Set it in the program's own settings instead.",
            field,
        )
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ruby_dotenv_value(value: str, field: str = "value") -> str:
    """Double-quoted value for the Ruby dotenv gem (Mastodon): it unescapes \\n and \\r, then
    drops the backslash before any other character; an escaped $ is never substituted."""
    _refuse_nul(value, field, "a .env file")
    out = []
    for char in value:
        if char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char in '\\"$`':
            out.append("\\" + char)
        else:
            out.append(char)
    return '"' + "".join(out) + '"'

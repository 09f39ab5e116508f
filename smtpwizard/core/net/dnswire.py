"""The DNS wire format for the few questions we ask: one question out, its answer records back.

RFC 1035 section 4 (messages, name compression), RFC 3596 (AAAA), RFC 2782 (SRV). No EDNS0,
as dnspython's resolver by default: some home routers' DNS forwarders still refuse it, and a
large answer comes truncated and is asked again over TCP (dnsclient). Written here rather than
built with dnspython's message objects because a discovery asks about twenty questions at once:
with dnspython's resolver each costs about 460-600 us of CPU, with this codec and dnsclient
about 110 us (bench/dns_client.py, twenty at once, medians per question).

Everything in an answer is hostile: every length is checked against the message, a compression
pointer must point backwards and is followed at most MAX_POINTERS times, a name is at most 255
bytes, and anything that does not answer exactly the question we asked is refused. Names come
out as dnspython writes them (`Name.to_text`: the same escapes), so what reaches the boundary
(servertext.clean) is unchanged.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Any

__all__ = [
    "RCODE_NOERROR",
    "RCODE_NXDOMAIN",
    "TYPES",
    "Answer",
    "WireError",
    "decode_answer",
    "encode_name",
    "encode_query",
]

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33}
_CNAME = TYPES["CNAME"]
_CLASS_IN = 1
RCODE_NOERROR, RCODE_NXDOMAIN = 0, 3
MAX_POINTERS = 64  # more than any honest message needs (a name has at most 127 labels)
MAX_CNAMES = 16  # as dnspython's resolve_chaining
_HEADER = struct.Struct("!HHHHHH")
_RR = struct.Struct("!HHIH")
# dnspython's Name.to_text escapes these with a backslash (dns/name.py, _escaped)
_ESCAPED = frozenset(b'"().;\\@$')

Record = str | tuple[int, str] | tuple[int, int, int, str] | tuple[bytes, ...]


class WireError(ValueError):
    """A message that is not a well-formed answer to our question."""


@dataclass(frozen=True, slots=True)
class Answer:
    rcode: int
    truncated: bool = False
    # A/AAAA: the address text; NS, PTR, CNAME: the name; MX: (preference, name);
    # SRV: (priority, weight, port, target); TXT: the record's strings. Names have no final
    # dot; the root is "".
    records: tuple[Any, ...] = ()  # Record, shaped by the question's type


def encode_name(name: str) -> bytes:
    """A host name in wire form; IDNA for a name that is not ASCII. WireError if invalid."""
    text = name[:-1] if name.endswith(".") else name
    if not text:
        return b"\x00"
    try:
        ascii_text = text.encode("ascii")
    except UnicodeEncodeError:
        import idna  # only for a name typed in Unicode; httpx already depends on it

        try:
            ascii_text = idna.encode(text, uts46=True)
        except idna.IDNAError as exc:
            raise WireError(f"not a valid host name ({exc})") from None
    out = bytearray()
    for label in ascii_text.split(b"."):
        if not label:
            raise WireError("an empty label (two dots in a row)")
        if len(label) > 63:
            raise WireError("a label longer than 63 characters")
        out.append(len(label))
        out += label
    out.append(0)
    if len(out) > 255:
        raise WireError("a name longer than 255 bytes")
    return bytes(out)


def encode_query(qid: int, qname: bytes, rdtype: int) -> bytes:
    """One question (class IN), recursion desired."""
    return _HEADER.pack(qid, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", rdtype, _CLASS_IN)


def decode_answer(data: bytes, qid: int, qname: bytes, rdtype: int) -> Answer:
    """The records answering (qname, rdtype), CNAMEs followed; WireError for anything else."""
    if len(data) < _HEADER.size:
        raise WireError("shorter than a DNS header")
    rid, flags, qdcount, ancount, _, _ = _HEADER.unpack_from(data)
    if rid != qid or not flags & 0x8000:
        raise WireError("not a response to our query")
    if (flags >> 11) & 0xF != 0:
        raise WireError("not a response to a standard query")
    rcode = flags & 0xF
    if qdcount == 0 and rcode not in (RCODE_NOERROR, RCODE_NXDOMAIN):
        # Some servers refuse (REFUSED, FORMERR, NOTIMP) without repeating the question, as
        # dnspython accepts: an error with our ID is enough to stop asking this server.
        return Answer(rcode)
    if qdcount != 1:
        raise WireError("not a response with our one question")
    name, offset = _read_name(data, _HEADER.size)
    if offset + 4 > len(data):
        raise WireError("the question is cut short")
    qtype, qclass = struct.unpack_from("!HH", data, offset)
    if name.lower() != qname.lower() or qtype != rdtype or qclass != _CLASS_IN:
        raise WireError("answers another question")
    offset += 4
    if flags & 0x0200:
        return Answer(rcode, truncated=True)
    found: list[tuple[bytes, int, int, int]] = []  # (owner, type, rdata start, rdata end)
    for _ in range(ancount):
        owner, offset = _read_name(data, offset)
        if offset + _RR.size > len(data):
            raise WireError("an answer record is cut short")
        rtype, rclass, _, length = _RR.unpack_from(data, offset)
        offset += _RR.size
        if offset + length > len(data):
            raise WireError("an answer record's data is cut short")
        if rclass == _CLASS_IN:
            found.append((owner.lower(), rtype, offset, offset + length))
        offset += length
    wanted = qname.lower()
    for _ in range(MAX_CNAMES):
        if rdtype == _CNAME or any(r[0] == wanted and r[1] == rdtype for r in found):
            break
        alias = next((r for r in found if r[0] == wanted and r[1] == _CNAME), None)
        if alias is None:
            break
        target, end = _read_name(data, alias[2])
        if end != alias[3]:
            raise WireError("a CNAME record's data has the wrong length")
        wanted = target.lower()
    records = tuple(
        _rdata(data, rtype, start, end)
        for owner, rtype, start, end in found
        if owner == wanted and rtype == rdtype
    )
    return Answer(rcode, records=records)


def _read_name(data: bytes, offset: int) -> tuple[bytes, int]:
    """(the name in uncompressed wire form, the offset just after it where it was read)."""
    out = bytearray()
    end: int | None = None
    pointers = 0
    lowest = offset  # a pointer must point before every label read so far: no loops
    while True:
        if offset >= len(data):
            raise WireError("a name runs past the end of the message")
        length = data[offset]
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(data):
                raise WireError("a compression pointer is cut short")
            target = ((length & 0x3F) << 8) | data[offset + 1]
            if end is None:
                end = offset + 2
            pointers += 1
            if target >= lowest or pointers > MAX_POINTERS:
                raise WireError("a compression pointer that does not point backwards")
            offset = lowest = target
            continue
        if length & 0xC0:
            raise WireError("an unknown label type")
        if length == 0:
            out.append(0)
            if len(out) > 255:
                raise WireError("a name longer than 255 bytes")
            return bytes(out), end if end is not None else offset + 1
        if offset + 1 + length > len(data):
            raise WireError("a label runs past the end of the message")
        out += data[offset : offset + 1 + length]
        if len(out) > 255:
            raise WireError("a name longer than 255 bytes")
        offset += 1 + length


def name_text(wire: bytes) -> str:
    """A wire name as dnspython's to_text(omit_final_dot=True) writes it; "" for the root."""
    labels = []
    offset = 0
    while wire[offset]:
        length = wire[offset]
        labels.append(_label_text(wire[offset + 1 : offset + 1 + length]))
        offset += 1 + length
    return ".".join(labels)


def _label_text(label: bytes) -> str:
    if all(0x20 < c < 0x7F and c not in _ESCAPED for c in label):
        return label.decode("ascii")
    out = []
    for c in label:
        if c in _ESCAPED:
            out.append("\\" + chr(c))
        elif 0x20 < c < 0x7F:
            out.append(chr(c))
        else:
            out.append(f"\\{c:03d}")
    return "".join(out)


def _rdata(data: bytes, rtype: int, start: int, end: int) -> Record:
    size = end - start
    if rtype == 1:
        if size != 4:
            raise WireError("an A record that is not 4 bytes")
        return socket.inet_ntop(socket.AF_INET, data[start:end])
    if rtype == 28:
        if size != 16:
            raise WireError("an AAAA record that is not 16 bytes")
        return socket.inet_ntop(socket.AF_INET6, data[start:end])
    if rtype == 15:
        if size < 3:
            raise WireError("an MX record cut short")
        (preference,) = struct.unpack_from("!H", data, start)
        return preference, _rdata_name(data, start + 2, end)
    if rtype == 33:
        if size < 7:
            raise WireError("an SRV record cut short")
        priority, weight, port = struct.unpack_from("!HHH", data, start)
        return priority, weight, port, _rdata_name(data, start + 6, end)
    if rtype == 16:
        strings = []
        offset = start
        while offset < end:
            length = data[offset]
            if offset + 1 + length > end:
                raise WireError("a TXT string runs past its record")
            strings.append(data[offset + 1 : offset + 1 + length])
            offset += 1 + length
        if not strings:
            raise WireError("a TXT record with no string")
        return tuple(strings)
    if rtype in (2, 5, 12):
        return _rdata_name(data, start, end)
    raise WireError(f"record type {rtype} is not one we ask for")  # pragma: no cover (TYPES)


def _rdata_name(data: bytes, start: int, end: int) -> str:
    wire, after = _read_name(data, start)
    if after != end:
        raise WireError("a record's name does not fill its data")
    return name_text(wire)

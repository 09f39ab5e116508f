"""The DNS codec against dnspython (2.9.2), the reference it replaces, and against hostile bytes.

dnspython builds the answers (with its name compression) and reads them back; our decoder must
give the same records, names escaped as dnspython's Name.to_text writes them. Every prefix of
an answer and thousands of seeded random corruptions must end in a WireError or an answer,
never another exception or a loop.
"""

from __future__ import annotations

import random
import struct

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

from smtpwizard.core.net.dnswire import (
    RCODE_NXDOMAIN,
    TYPES,
    WireError,
    decode_answer,
    encode_name,
    encode_query,
)

QID = 0x4A21


def _answer(qname: str, rdtype: str, *rrsets: tuple[str, str, list[str]]) -> bytes:
    query = dns.message.make_query(qname, rdtype)
    query.id = QID
    response = dns.message.make_response(query)
    response.flags |= dns.flags.RA
    for owner, kind, values in rrsets:
        response.answer.append(
            dns.rrset.from_text_list(
                dns.name.from_text(owner), 300, dns.rdataclass.IN, kind, values
            )
        )
    return response.to_wire()


def _name(name: dns.name.Name) -> str:
    return "" if name == dns.name.root else name.to_text(omit_final_dot=True)


def _reference(wire: bytes, rdtype: str) -> tuple[object, ...]:
    """What dnspython reads from the answer, in our record shapes."""
    message = dns.message.from_wire(wire)
    chained = message.resolve_chaining()
    if chained.answer is None:
        return ()
    shaped: list[object] = []
    for r in chained.answer:
        if rdtype in ("A", "AAAA"):
            shaped.append(r.address)
        elif rdtype == "MX":
            shaped.append((r.preference, _name(r.exchange)))
        elif rdtype == "SRV":
            shaped.append((r.priority, r.weight, r.port, _name(r.target)))
        elif rdtype == "TXT":
            shaped.append(tuple(r.strings))
        else:
            shaped.append(_name(r.target))
    return tuple(shaped)


def _ours(wire: bytes, qname: str, rdtype: str) -> tuple[object, ...]:
    return decode_answer(wire, QID, encode_name(qname), TYPES[rdtype]).records


CASES = [
    ("example.test", "A", [("example.test", "A", ["127.0.0.5", "10.1.2.3"])]),
    ("example.test", "AAAA", [("example.test", "AAAA", ["::1", "2001:db8::7", "fe80::1:2"])]),
    (
        "example.test",
        "MX",
        [("example.test", "MX", ["10 mx1.example.test.", "20 mx2.example.test.", "0 ."])],
    ),
    (
        "_submission._tcp.example.test",
        "SRV",
        [
            (
                "_submission._tcp.example.test",
                "SRV",
                ["0 1 587 smtp.example.test.", "5 0 0 ."],
            )
        ],
    ),
    (
        "example.test",
        "TXT",
        [("example.test", "TXT", ['"v=spf1 -all"', '"two" "strings"', '""', '"\\200\\255 x"'])],
    ),
    ("example.test", "NS", [("example.test", "NS", ["ns1.example.test.", "ns2.other.test."])]),
    (
        "5.0.0.127.in-addr.arpa",
        "PTR",
        [("5.0.0.127.in-addr.arpa", "PTR", ["host.example.test."])],
    ),
    # names dnspython escapes: a space, quotes and parentheses, bytes that are not ASCII
    (
        "odd.test",
        "MX",
        [("odd.test", "MX", ['10 a\\032b.x\\"y.\\(z\\).\\226\\128\\174.<h1>.test.'])],
    ),
    # CNAME chains, followed as dnspython's resolve_chaining does
    (
        "www.example.test",
        "A",
        [
            ("www.example.test", "CNAME", ["web.example.test."]),
            ("web.example.test", "CNAME", ["edge.cdn.test."]),
            ("edge.cdn.test", "A", ["127.0.0.9"]),
        ],
    ),
    ("alias.test", "MX", [("alias.test", "CNAME", ["real.test."])]),  # chain to nothing
    # records for other names or types are not the answer
    (
        "example.test",
        "A",
        [("other.test", "A", ["127.0.0.1"]), ("example.test", "TXT", ['"x"'])],
    ),
    # case: DNS names compare without case (0x20 encoding, RFC 1035 2.3.3)
    ("MiXeD.Example.TEST", "A", [("mixed.example.test", "A", ["127.0.0.2"])]),
]


@pytest.mark.parametrize(("qname", "rdtype", "rrsets"), CASES, ids=lambda c: str(c)[:40])
def test_answers_read_as_dnspython_reads_them(qname, rdtype, rrsets):
    wire = _answer(qname, rdtype, *rrsets)
    assert _ours(wire, qname, rdtype) == _reference(wire, rdtype)


def test_nxdomain_and_truncation_are_reported():
    query = dns.message.make_query("gone.test", "MX")
    query.id = QID
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.NXDOMAIN)
    answer = decode_answer(response.to_wire(), QID, encode_name("gone.test"), TYPES["MX"])
    assert answer.rcode == RCODE_NXDOMAIN and answer.records == ()
    response.set_rcode(dns.rcode.NOERROR)
    response.flags |= dns.flags.TC
    answer = decode_answer(response.to_wire(), QID, encode_name("gone.test"), TYPES["MX"])
    assert answer.truncated


def test_our_query_is_the_question_dnspython_reads():
    for rdtype, code in TYPES.items():
        wire = encode_query(0xBEEF, encode_name("Mail.Example.test."), code)
        message = dns.message.from_wire(wire)
        assert message.id == 0xBEEF and message.flags & dns.flags.RD
        assert not message.flags & dns.flags.QR
        (question,) = message.question
        assert question.name == dns.name.from_text("mail.example.test")
        assert dns.rdatatype.to_text(question.rdtype) == rdtype
        assert message.edns < 0  # no EDNS0 (see dnswire's docstring)


def test_names_are_checked_before_they_are_sent():
    assert encode_name("bücher.de") == dns.name.from_text("xn--bcher-kva.de").to_wire()
    assert encode_name("") == b"\x00" and encode_name(".") == b"\x00"
    for bad in ("a..b", "x" * 64 + ".test", ".".join(["abcdefghi"] * 26), "\udcff.test"):
        with pytest.raises(WireError):
            encode_name(bad)


def test_an_answer_to_another_question_is_refused():
    wire = _answer("example.test", "A", ("example.test", "A", ["127.0.0.5"]))
    with pytest.raises(WireError):
        decode_answer(wire, QID + 1, encode_name("example.test"), TYPES["A"])  # another ID
    with pytest.raises(WireError):
        decode_answer(wire, QID, encode_name("other.test"), TYPES["A"])  # another name
    with pytest.raises(WireError):
        decode_answer(wire, QID, encode_name("example.test"), TYPES["AAAA"])  # another type
    query_not_answer = bytearray(wire)
    query_not_answer[2] &= 0x7F  # QR cleared: a query, not a response
    with pytest.raises(WireError):
        decode_answer(bytes(query_not_answer), QID, encode_name("example.test"), TYPES["A"])


def _header(ancount: int) -> bytes:
    return struct.pack("!HHHHHH", QID, 0x8180, 1, ancount, 0, 0)


QUESTION = encode_name("x.test") + struct.pack("!HH", 1, 1)


def _rr(rtype: int, rdata: bytes, owner: bytes = b"\xc0\x0c") -> bytes:
    return owner + struct.pack("!HHIH", rtype, 1, 60, len(rdata)) + rdata


@pytest.mark.parametrize(
    ("rdtype", "answers"),
    [
        ("A", [b"\xc0\x0c"]),  # the question's name, then nothing: the record is cut short
        ("A", [b"\xc0\x18"]),  # a pointer to itself (offset 24 is where this answer starts)
        ("A", [b"\xc0\xff"]),  # a pointer forwards, past the end
        ("A", [b"\x40abc"]),  # a label type that does not exist (0x40)
        ("A", [b"\xc0"]),  # a pointer cut in half
        ("A", [b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + b"\x7f\x00"]),  # data cut
        ("A", [b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4)]),  # the data is missing
        ("A", [_rr(1, b"\x7f\x00\x01")]),  # an A of 3 bytes
        ("AAAA", [_rr(28, b"\x00" * 15)]),
        ("MX", [_rr(15, b"\x00\x0a")]),  # a preference and no name
        ("MX", [_rr(15, b"\x00\x0a\x00\x00")]),  # a name that does not fill the data
        ("SRV", [_rr(33, b"\x00\x00\x00\x00\x02")]),
        ("TXT", [_rr(16, b"")]),  # no string at all
        ("TXT", [_rr(16, b"\x05abc")]),  # a string longer than its record
        ("A", [_rr(5, b"\x00\x00")]),  # a CNAME whose name does not fill its data
        # a CNAME loop: x.test -> y.x.test -> x.test -> ... (followed at most 16 times)
        ("A", [_rr(5, b"\x01y\xc0\x0c"), _rr(5, b"\xc0\x0c", owner=b"\xc0\x24")]),
    ],
)
def test_hostile_answers_end_in_a_wire_error_or_no_records(rdtype, answers):
    wire = _header(len(answers)) + QUESTION_OF[rdtype] + b"".join(answers)
    try:
        answer = decode_answer(wire, QID, encode_name("x.test"), TYPES[rdtype])
    except WireError:
        return
    # Only the CNAME loop reads cleanly: it leads to no address.
    assert rdtype == "A" and len(answers) == 2 and answer.records == ()


QUESTION_OF = {t: encode_name("x.test") + struct.pack("!HH", code, 1) for t, code in TYPES.items()}


def test_a_pointer_chain_cannot_build_a_name_longer_than_255_bytes():
    # 30 one-label names, each pointing at the one before, hidden in a first record's data;
    # the second record's owner points at the last. Every hop points backwards (and there are
    # fewer than MAX_POINTERS), and the name grows by 11 bytes per hop.
    start = 12 + len(QUESTION) + 2 + 10  # where the first record's data begins
    chain = bytearray()
    previous = 12  # the question's name
    for _ in range(30):
        here = start + len(chain)
        chain += b"\x0aabcdefghij" + struct.pack("!H", 0xC000 | previous)
        previous = here
    hider = b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 60, len(chain)) + bytes(chain)
    victim = struct.pack("!H", 0xC000 | previous) + struct.pack("!HHIH", 1, 1, 60, 4) + b"\0" * 4
    wire = _header(2) + QUESTION + hider + victim
    with pytest.raises(WireError, match="255"):
        decode_answer(wire, QID, encode_name("x.test"), TYPES["A"])


def test_every_prefix_and_thousands_of_corruptions_end_cleanly():
    rng = random.Random(20261202)
    wires = [(q, t, _answer(q, t, *rrsets)) for q, t, rrsets in CASES]
    checked = agreed = 0
    for qname, rdtype, wire in wires:
        mutants = [wire[:n] for n in range(len(wire))]
        for _ in range(300):
            mutant = bytearray(wire)
            for _ in range(rng.randint(1, 4)):
                mutant[rng.randrange(len(mutant))] = rng.randrange(256)
            mutants.append(bytes(mutant))
        for mutant in mutants:
            checked += 1
            try:
                ours = _ours(mutant, qname, rdtype)
            except WireError:
                continue
            try:
                reference = _reference(mutant, rdtype)
            except dns.exception.DNSException:
                continue  # dnspython is stricter about the sections we never read
            # Where both read a corrupted message, they read the same records.
            assert ours == reference, (qname, rdtype, mutant.hex())
            agreed += 1
    assert checked > 4000 and agreed > 300


def test_an_error_without_the_question_is_read_as_that_error_but_an_answer_never_is():
    refused = struct.pack("!HHHHHH", QID, 0x8185, 0, 0, 0, 0)  # REFUSED, no question section
    answer = decode_answer(refused, QID, encode_name("x.test"), TYPES["A"])
    assert answer.rcode == 5 and answer.records == ()
    for rcode in (0, 3):  # NOERROR or NXDOMAIN must say which question they answer
        bare = struct.pack("!HHHHHH", QID, 0x8180 | rcode, 0, 0, 0, 0)
        with pytest.raises(WireError):
            decode_answer(bare, QID, encode_name("x.test"), TYPES["A"])
    with pytest.raises(WireError):  # and an error still needs our ID
        decode_answer(refused, QID + 1, encode_name("x.test"), TYPES["A"])

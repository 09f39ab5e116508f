"""The capped Content-Encoding decoder, unit by unit (the attack itself, measured in a child
process against a real HTTPS server, is tests/security/test_document_bombs.py)."""

from __future__ import annotations

import gzip
import zlib

import pytest

from smtpwizard.core.discovery.decoding import CappedDecoder, DecodeError, DocumentTooLarge

DOC = b"<clientConfig>" + b"x" * 5000 + b"</clientConfig>"


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def _decode(header: str, body: bytes, cap: int = 1 << 20, chunk: int = 7) -> bytes:
    decoder = CappedDecoder(header, cap)
    out = b"".join(decoder.feed(body[i : i + chunk]) for i in range(0, len(body), chunk))
    return out + decoder.flush()


@pytest.mark.parametrize(
    ("header", "body"),
    [
        ("", DOC),
        ("identity", DOC),
        ("gzip", gzip.compress(DOC)),
        ("x-gzip", gzip.compress(DOC)),
        ("deflate", zlib.compress(DOC)),
        ("deflate", _raw_deflate(DOC)),  # what some servers send: browsers and httpx accept it
        ("gzip, gzip", gzip.compress(gzip.compress(DOC))),
        ("deflate, gzip", gzip.compress(zlib.compress(DOC))),
    ],
)
def test_honest_documents_decode_exactly(header: str, body: bytes) -> None:
    assert _decode(header, body) == DOC


def test_every_layer_stops_at_the_cap() -> None:
    bomb = gzip.compress(b"\0" * (8 << 20))
    with pytest.raises(DocumentTooLarge):
        _decode("gzip", bomb, cap=1 << 20, chunk=len(bomb))
    inner = gzip.compress(b"\0" * (4 << 20))
    with pytest.raises(DocumentTooLarge):  # the inner layer passes the cap: refused there
        _decode("gzip, gzip", gzip.compress(inner), cap=1000, chunk=64)


def test_a_document_exactly_at_the_cap_is_accepted() -> None:
    assert _decode("gzip", gzip.compress(DOC), cap=len(DOC)) == DOC
    with pytest.raises(DocumentTooLarge):
        _decode("gzip", gzip.compress(DOC), cap=len(DOC) - 1)


@pytest.mark.parametrize(
    ("header", "body", "reason"),
    [
        ("br", DOC, "content encoding 'br' is not supported"),
        ("gzip, gzip, gzip", DOC, "stacks 3 content encodings"),
        ("gzip", b"\x1f\x8b\x08\x00garbage-garbage", "gzip data is damaged"),
        ("deflate", b"\xff\xfe not deflate at all", "deflate data is damaged"),
    ],
)
def test_refused_encodings_and_damaged_data_say_why(header: str, body: bytes, reason: str) -> None:
    with pytest.raises(DecodeError) as refused:
        _decode(header, body)
    assert reason in str(refused.value)


def test_a_truncated_stream_flushes_what_it_has_and_bytes_after_the_end_are_ignored() -> None:
    packed = gzip.compress(DOC)
    assert DOC.startswith(_decode("gzip", packed[: len(packed) // 2]))
    assert _decode("gzip", packed + b"trailing junk") == DOC

"""The settings card (HTML and PDF): plain words, the port guidance, and a page that prints on
A4 and US Letter alike."""

from __future__ import annotations

import re
import subprocess
from html import unescape
from pathlib import Path

import pytest

from smtpwizard.core.exporters import render_export
from smtpwizard.core.settings import PORT_GUIDANCE, IncomingProtocol, IncomingServer, Security

from .conftest import require
from .readers import card_fields
from .samples import CHECKED, sample

LETTER_HEIGHT_PT = 792.0  # 11 in; A4 is 841.9 pt tall and narrower than Letter's 612 pt


def test_html_card_has_every_value_in_plain_words() -> None:
    pop = IncomingServer(IncomingProtocol.POP3, "pop.example.com", 995, Security.TLS, "anna")
    html = render_export("card-html", *sample(Security.STARTTLS, incoming=pop), checked_on=CHECKED)
    fields = card_fields(html.data)
    assert fields == {
        "account.name": "Anna Müller",
        "account.email": "anna@example.com",
        "outgoing.host": "smtp.example.com",
        "outgoing.port": "587",
        "outgoing.security": "STARTTLS",
        "outgoing.auth": "Yes",
        "outgoing.username": "anna@example.com",
        "outgoing.password": "your email password (or app password)",
        "incoming.protocol": "POP3",
        "incoming.host": "pop.example.com",
        "incoming.port": "995",
        "incoming.security": "SSL/TLS",
        "incoming.username": "anna",
        "incoming.password": "your email password (or app password)",
    }
    text = unescape(html.text)
    assert '"STARTTLS" in most programs ("TLS" in older Outlook)' in text
    assert '"SSL/TLS" in most programs ("SSL" in older Outlook)' in text
    assert f'<p class="this-port">{PORT_GUIDANCE[587]}</p>' in text
    assert text.index(PORT_GUIDANCE[465]) < text.index(PORT_GUIDANCE[2525])
    assert (
        "<footer>Sending tested and working with smtpwizard on 2026-11-01. "
        "The incoming server was not tested.</footer>"
    ) in text
    assert "Receiving (POP3), not tested by smtpwizard" in text
    assert "(not tested by smtpwizard)" in text
    assert "@page { size: auto;" in text  # the printer's paper, A4 or Letter


def test_card_without_sign_in_or_incoming_server() -> None:
    settings, account = sample(Security.NONE, username=None)
    fields = card_fields(
        render_export("card-html", settings, account.__class__(account.email)).data
    )
    assert fields["outgoing.security"] == "None (not encrypted)"
    assert fields["outgoing.auth"] == "No"
    assert not {"outgoing.username", "outgoing.password", "incoming.host"} & set(fields)


def _words(pdf: Path) -> list[tuple[float, float, float, float, str]]:
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pattern = (
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    )
    return [
        (float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(pattern, out)
    ]


@pytest.mark.parametrize("security", list(Security), ids=lambda s: s.value)
def test_pdf_card_is_one_page_inside_the_area_a4_and_letter_share(
    security: Security, tmp_path: Path
) -> None:
    require("pdftotext", "pdfinfo")
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(render_export("card-pdf", *sample(security), checked_on=CHECKED).data)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+1\n", info) and "595.276 x 841.89 pts (A4)" in info
    words = _words(pdf)
    text = " ".join(word for *_, word in words)
    for needed in (
        "smtp.example.com",
        "anna@example.com",
        "Sending tested and working with smtpwizard on 2026-11-01.",
    ):
        assert needed in text
    # Printers cannot print the last few millimetres: stay 6 mm (17 pt) clear of Letter's edge.
    assert max(y_max for _, _, _, y_max, _ in words) < LETTER_HEIGHT_PT - 17
    assert min(x_min for x_min, *_ in words) > 36 and max(w[2] for w in words) < 595 - 36


def test_pdf_card_draws_names_in_any_script(tmp_path: Path) -> None:
    require("pdftotext")
    name = "Zoë Ωμέγα Юлия 日本 김민준"
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(render_export("card-pdf", *sample(name=name)).data)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "Fallback" in fonts or "Droid" in fonts, "no font for CJK: install fonts-droid-fallback"
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # all embedded
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    assert name in text


def test_the_password_is_on_the_card_only_when_asked(tmp_path: Path) -> None:
    asked = render_export("card-html", *sample(), include_password=True, password="pa<ss>")
    assert card_fields(asked.data)["outgoing.password"] == "pa<ss>"
    assert "pa&lt;ss&gt;" in asked.text


def test_card_shows_an_international_address_as_people_write_it() -> None:
    settings, account = sample(username="zoë@xn--bcher-kva.de", email="zoë@xn--bcher-kva.de")
    fields = card_fields(render_export("card-html", settings, account).data)
    assert fields["account.email"] == "zoë@bücher.de"
    assert fields["outgoing.username"] == "zoë@bücher.de"
    html_text = render_export("card-html", settings, account).text
    assert "If your program refuses it, type it as zoë@xn--bcher-kva.de" in html_text


def test_a_port_25_relay_without_sign_in_gets_no_port_alternatives(tmp_path: Path) -> None:
    settings, account = sample(Security.STARTTLS, port=25, username=None)
    text = render_export("card-html", settings, account, checked_on=CHECKED).text
    assert "If sending does not work" not in text and PORT_GUIDANCE[587] not in text
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(render_export("card-pdf", settings, account, checked_on=CHECKED).data)
    assert "If sending does not work" not in " ".join(w for *_, w in _words(pdf))
    # With a sign-in, other ports are worth trying, and said to be untested.
    signed_in = render_export("card-html", *sample(Security.STARTTLS, port=25)).text
    assert "If sending does not work" in signed_in and "not tested by smtpwizard" in signed_in

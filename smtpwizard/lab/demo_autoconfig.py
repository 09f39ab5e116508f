"""The demo provider's autoconfig document, served over real HTTPS on loopback.

With it, the wizard's --demo walk finds the demo server the way it finds a real provider's:
from "https://autoconfig.smtpwizard.test/mail/config-v1.1.xml", verified against a CA of its
own (bundled with the demo server's CA into one file for the checks).
"""

from __future__ import annotations

import http.server
import ssl
import tempfile
import threading
from pathlib import Path
from typing import Any

import trustme

DEMO_DOMAIN = "smtpwizard.test"
AUTOCONFIG_HOST = f"autoconfig.{DEMO_DOMAIN}"

_CONFIG = """<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="{domain}">
    <domain>{domain}</domain>
    <displayName>smtpwizard demo mail</displayName>
    <displayShortName>Demo</displayShortName>
    <incomingServer type="imap">
      <hostname>{host}</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>{host}</hostname>
      <port>{port}</port>
      <socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
"""


class DemoAutoconfig:
    """A tiny HTTPS server answering the autoconfig URLs of the demo domain; close() stops it."""

    def __init__(self, smtp_host: str, smtp_port: int, smtp_ca_file: Path) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="smtpwizard-demo-web-")
        folder = Path(self._dir.name)
        ca = trustme.CA(organization_name="smtpwizard demo web")
        leaf = ca.issue_cert(AUTOCONFIG_HOST, DEMO_DOMAIN, "127.0.0.1")
        chain = folder / "web.pem"
        leaf.private_key_and_cert_chain_pem.write_to_path(str(chain))
        self.ca_bundle = folder / "ca-bundle.pem"
        self.ca_bundle.write_bytes(Path(smtp_ca_file).read_bytes() + ca.cert_pem.bytes())
        document = _CONFIG.format(domain=DEMO_DOMAIN, host=smtp_host, port=smtp_port).encode()
        handler = _handler(document)
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(chain))
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="demo-autoconfig", daemon=True
        )
        self._thread.start()

    def discovery_overrides(self) -> dict[str, Any]:
        """Keyword arguments for DiscoveryOptions that point discovery at this server."""
        return {
            "resolve": {AUTOCONFIG_HOST: "127.0.0.1", DEMO_DOMAIN: "127.0.0.1"},
            "web_ports": (self.port, self.port),
            "ca_file": str(self.ca_bundle),
            "ispdb_url": f"https://{AUTOCONFIG_HOST}/ispdb/",
            "allow_http": False,
        }

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)
        self._dir.cleanup()


class _QuietServer(http.server.ThreadingHTTPServer):
    """A client that hangs up early is normal here: the wizard stops its other look-ups once
    it has an answer. socketserver would print a traceback on the terminal for each."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
            return
        super().handle_error(request, client_address)


def _handler(document: bytes) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path in ("/mail/config-v1.1.xml", "/.well-known/autoconfig/mail/config-v1.1.xml"):
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(document)))
                self.end_headers()
                self.wfile.write(document)
                return
            self.send_error(404)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler

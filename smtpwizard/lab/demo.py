"""The built-in demo mail server: a real STARTTLS + SSL/TLS server on loopback to try smtpwizard on.

Its CA certificate lives in a stable folder and is reused across runs, so a --ca-file path given
once keeps working. Messages sent to it are kept in memory and go nowhere else.
"""

from __future__ import annotations

import errno
import shlex
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType, TracebackType

import platformdirs

from .lab import Lab, LabEndpoint
from .records import MAX_KEPT_MESSAGES, ReceivedMessage

DEMO_USERNAME = "demo@smtpwizard.test"
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 (public on purpose: it guards nothing)
DEFAULT_STARTTLS_PORT = 2587
DEFAULT_TLS_PORT = 2465
PASSWORD_ENV = "SMTPWIZARD_PASSWORD"  # noqa: S105 (a variable name)


def default_demo_dir() -> Path:
    return platformdirs.user_data_path("smtpwizard") / "demo"


class DemoInfo:
    """Where the demo server listens and how to log in to it."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.starttls_port = 0
        self.tls_port = 0
        self.username = DEMO_USERNAME
        self.password = DEMO_PASSWORD
        self.ca_file = Path()
        self.notes: list[str] = []  # e.g. which fixed port was busy and what is used instead
        self.foreground = False  # run_demo_server: the instructions mention Ctrl+C
        self._messages: list[ReceivedMessage] = []
        self._received = threading.Condition()

    @property
    def server_name(self) -> str:
        """The name to type: 'localhost' for 127.0.0.1 (the certificate covers both)."""
        return "localhost" if self.host == "127.0.0.1" else self.host

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Messages received on either port, oldest first (the last MAX_KEPT_MESSAGES)."""
        with self._received:
            return list(self._messages)

    def wait_messages(self, count: int, timeout: float = 5.0) -> bool:
        with self._received:
            return self._received.wait_for(lambda: len(self._messages) >= count, timeout)

    def _keep(self, message: ReceivedMessage) -> None:
        with self._received:
            self._messages.append(message)
            del self._messages[:-MAX_KEPT_MESSAGES]
            self._received.notify_all()


class DemoServer(DemoInfo):
    """A running demo server (started by start_demo); a context manager that stops it."""

    def __init__(self, lab: Lab) -> None:
        super().__init__()
        self.lab = lab
        self.endpoints: list[LabEndpoint] = []

    def close(self) -> None:
        self.lab.close()

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def start_demo(
    host: str = "127.0.0.1",
    starttls_port: int | None = DEFAULT_STARTTLS_PORT,
    tls_port: int | None = DEFAULT_TLS_PORT,
    workdir: Path | None = None,
    on_message: Callable[[ReceivedMessage], None] | None = None,
) -> DemoServer:
    """Start the demo server without blocking. A port of None means any free port."""
    holder: list[DemoServer] = []

    def received(ep: LabEndpoint, message: ReceivedMessage) -> None:
        holder[0]._keep(message)
        if on_message is not None:
            on_message(message)

    lab = Lab(
        workdir if workdir is not None else default_demo_dir(),
        username=DEMO_USERNAME,
        password=DEMO_PASSWORD,
        persistent_certs=True,
        on_message=received,
    )
    demo = DemoServer(lab)
    holder.append(demo)
    try:
        demo.host = host
        demo.ca_file = lab.ca_file
        starttls = _start_on(demo, "starttls_ok", host, starttls_port, "STARTTLS")
        tls = _start_on(demo, "tls_ok", host, tls_port, "SSL/TLS")
    except BaseException:
        lab.close()
        raise
    demo.endpoints = [starttls, tls]
    demo.starttls_port, demo.tls_port = starttls.port, tls.port
    return demo


def _start_on(
    demo: DemoServer, scenario: str, host: str, port: int | None, label: str
) -> LabEndpoint:
    if port is None:
        return demo.lab.start(scenario, host=host)
    try:
        return demo.lab.start(scenario, host=host, port=port)
    except OSError as error:
        if error.errno not in (errno.EADDRINUSE, errno.EACCES):
            raise
        busy = error.errno == errno.EADDRINUSE
    ep = demo.lab.start(scenario, host=host)
    reason = "is in use by another program" if busy else "is not allowed"
    demo.notes.append(f"Port {port} {reason}, so the {label} demo uses port {ep.port} instead.")
    return ep


def format_demo_instructions(info: DemoInfo) -> str:
    ca = str(info.ca_file)
    command = " ".join(
        [
            "smtpwizard check",
            f"--host {info.server_name}",
            f"--port {info.starttls_port}",
            "--security starttls",
            f"--user {info.username}",
            f"--password-env {PASSWORD_ENV}",
            f"--ca-file {shlex.quote(ca)}",
        ]
    )
    lines = [
        "The smtpwizard demo mail server is running on this computer.",
        "It is a real mail server made for trying smtpwizard safely: test messages sent to it",
        "stay here and are never delivered anywhere.",
        "",
        "Settings to try:",
        f"  Server:    {info.server_name}",
        f"  Port:      {info.starttls_port} with security STARTTLS",
        f"       or:   {info.tls_port} with security SSL/TLS",
        f"  Username:  {info.username}",
        f"  Password:  {info.password}",
        "",
        "The demo server has its own certificate authority, which your computer does not know.",
        "Tell smtpwizard to trust it by giving this CA file:",
        f"  {ca}",
        "",
        "To check it from a terminal:",
        f"  export {PASSWORD_ENV}={shlex.quote(info.password)}",
        f"  {command}",
    ]
    if info.notes:
        lines += ["", *info.notes]
    if info.foreground:
        lines += ["", "Press Ctrl+C to stop the demo server."]
    return "\n".join(lines)


def run_demo_server(
    host: str = "127.0.0.1",
    starttls_port: int | None = DEFAULT_STARTTLS_PORT,
    tls_port: int | None = DEFAULT_TLS_PORT,
    workdir: Path | None = None,
    ready: Callable[[DemoInfo], None] | None = None,
) -> None:
    """Run the demo server in the foreground until SIGINT or SIGTERM, then stop cleanly."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    def on_message(message: ReceivedMessage) -> None:
        to = ", ".join(message.rcpt_tos)
        size = len(message.data)
        print(
            f"Received a test message from {message.mail_from} to {to} ({size} bytes).", flush=True
        )

    previous: dict[signal.Signals, object] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        with start_demo(host, starttls_port, tls_port, workdir, on_message) as demo:
            demo.foreground = True
            if ready is None:
                print(format_demo_instructions(demo), flush=True)
            else:
                ready(demo)
            # A timed wait keeps Ctrl+C responsive on every platform.
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    """`python -m smtpwizard.lab.demo [STARTTLS_PORT TLS_PORT]` (the CLI has `demo-server`)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    ports = [int(a) if a != "0" else None for a in args[:2]]
    run_demo_server(
        starttls_port=ports[0] if ports else DEFAULT_STARTTLS_PORT,
        tls_port=ports[1] if len(ports) > 1 else DEFAULT_TLS_PORT,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A lab of real SMTP servers for probing: each test builds a "host" on its own 127.0.0.x address.

The four standard ports cannot be bound safely on a shared machine, so a lab host maps them to
free ports in the same ranking order (587, 465, 2525, 25), and the probe gets that order through
ProbeOptions.ports.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from smtpwizard.core.probe import ProbeOptions
from smtpwizard.core.settings import RECOMMENDED_PORTS, Security
from tests.labkit import Lab, LabEndpoint

# One address per lab host; never reused within a run so hosts cannot see each other's servers.
_ADDRESSES = (f"127.0.{b}.{c}" for b, c in itertools.product(range(60, 70), range(2, 250)))


@dataclass
class LabHost:
    ip: str
    endpoints: dict[int, LabEndpoint]  # standard port -> the lab server standing in for it
    ca_file: str

    @property
    def ports(self) -> tuple[tuple[int, Security], ...]:
        return tuple((self.endpoints[std].port, sec) for std, sec in RECOMMENDED_PORTS)

    def port(self, standard: int) -> int:
        return self.endpoints[standard].port

    def options(self, **changes: object) -> ProbeOptions:
        values: dict[str, object] = {"ports": self.ports, "ca_file": self.ca_file}
        values.update(changes)
        return ProbeOptions(**values)  # type: ignore[arg-type]

    def all_idle(self, timeout: float = 5.0) -> bool:
        return all(ep.wait_idle(timeout) for ep in self.endpoints.values())

    def auth_attempts(self) -> list[object]:
        return [attempt for ep in self.endpoints.values() for attempt in ep.auth_attempts]


@pytest.fixture(scope="package")
def probe_lab() -> Iterator[Lab]:
    with Lab() as lab:
        yield lab


@pytest.fixture
def make_host(probe_lab: Lab):
    """make_host(p587=..., p465=..., p2525=..., p25=...) with lab scenario names.

    like=other_host reuses the other host's port numbers (on a new address), so one
    ProbeOptions.ports mapping fits several hosts.
    """

    def make(like: LabHost | None = None, **scenarios: str) -> LabHost:
        ip = next(_ADDRESSES)
        endpoints = {}
        for std, _ in RECOMMENDED_PORTS:
            port = like.port(std) if like is not None else None
            scenario = scenarios.get(f"p{std}", "closed")
            endpoints[std] = probe_lab.start(scenario, host=ip, port=port)
        return LabHost(ip, endpoints, str(probe_lab.ca_file))

    return make

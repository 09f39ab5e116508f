"""The check's resolve and connect steps as the probe runs them (check.ConnectStep): a lookup,
a connect, a cancel during either; a real DNS server and real sockets on loopback
(127.0.12.32-34)."""

from __future__ import annotations

import asyncio
import socket

from smtpwizard.core.check import CheckOptions, CheckResult, Connection, ConnectStep, StepLimits
from smtpwizard.core.check.steps import StepName, StepStatus
from smtpwizard.core.net.resolve import ResolverConfig
from smtpwizard.core.settings import Security, ServerSettings
from tests.discovery.servers import DnsServer, Zone
from tests.labkit.filtered import FilteredPort

OPEN_IP, SILENT_DNS_IP, FILTERED_IP = "127.0.12.32", "127.0.12.33", "127.0.12.34"


def settings(host: str, port: int) -> ServerSettings:
    return ServerSettings(host=host, port=port, security=Security.STARTTLS)


def test_a_name_is_looked_up_then_connected():
    name = "smtp.step.test"
    with (
        DnsServer(Zone().add(name, "A", OPEN_IP)) as dns,
        socket.create_server((OPEN_IP, 0)) as server,
    ):
        options = CheckOptions(resolver=ResolverConfig(dns_server=dns.address))

        async def main() -> tuple[Connection | CheckResult, list[object]]:
            ended: asyncio.Future[Connection | CheckResult] = (
                asyncio.get_running_loop().create_future()
            )
            connecting: list[object] = []
            step = ConnectStep(
                settings(name, server.getsockname()[1]),
                options,
                ended.set_result,
                connecting.append,
            )
            step.start()
            assert step.task is not None  # a DNS server must be asked: a task for the lookup
            async with asyncio.timeout(10):
                return await ended, connecting

        outcome, connecting = asyncio.run(main())
    assert isinstance(outcome, Connection)
    with outcome.socket:
        assert outcome.address == OPEN_IP
        assert outcome.resolution.addresses == (OPEN_IP,)
        assert outcome.resolve_time > 0 and outcome.connect_time >= 0
    assert len(connecting) == 1  # told once, when the connect began


def test_a_cancel_during_the_lookup_ends_it_and_reports_nothing():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # never answers
        silent.bind((SILENT_DNS_IP, 0))
        options = CheckOptions(resolver=ResolverConfig(dns_server=silent.getsockname()))

        async def main() -> tuple[list[object], asyncio.Task[None]]:
            heard: list[object] = []
            step = ConnectStep(settings("smtp.silent.test", 587), options, heard.append)
            step.start()
            assert step.task is not None
            await asyncio.sleep(0)  # the lookup's question is out
            step.cancel()
            await asyncio.gather(step.task, return_exceptions=True)
            return heard, step.task

        heard, task = asyncio.run(main())
    assert heard == [] and task.cancelled()


def test_a_connect_past_its_limit_is_the_connect_steps_timeout():
    options = CheckOptions(limits=StepLimits(connect=0.1))

    async def main(port: int) -> Connection | CheckResult:
        ended: asyncio.Future[Connection | CheckResult] = asyncio.get_running_loop().create_future()
        ConnectStep(settings(FILTERED_IP, port), options, ended.set_result).start()
        async with asyncio.timeout(10):
            return await ended

    with FilteredPort(FILTERED_IP) as dead:
        outcome = asyncio.run(main(dead.port))
    assert isinstance(outcome, CheckResult) and not outcome.ok
    assert outcome.diagnosis.code == "timeout"
    steps = {step.name: step.status for step in outcome.steps}
    assert steps[StepName.RESOLVE] is StepStatus.OK
    assert steps[StepName.CONNECT] is StepStatus.FAILED

"""TaskRunner: "not running" means its result has been handed out, not only that it finished."""

from __future__ import annotations

import asyncio

from smtpwizard.ui.tasks import TaskRunner


def test_a_finished_task_counts_as_running_until_its_result_is_handed_out(qtbot, qloop):
    # A task's done callbacks run a pass of the loop after it finishes. Whoever waited for
    # "not running" in between (the GUI tests' flows, a page choosing what comes next) saw a
    # finished task whose succeeded handler had not run yet: the sign-in page's keychain
    # answer, say, not yet applied, so the password was not remembered (a test failing
    # about once per full run under load).
    runner = TaskRunner()
    delivered: list[str] = []
    runner.succeeded.connect(delivered.append)
    between: list[tuple[bool, list[str]]] = []

    async def work(_progress: object) -> str:
        # Queued before the task's own done callbacks: runs once the task has finished,
        # before the runner has handed out its result.
        asyncio.get_running_loop().call_soon(
            lambda: between.append((runner.running, list(delivered)))
        )
        return "done"

    runner.start(work)
    qtbot.waitUntil(lambda: delivered == ["done"], timeout=5000)
    assert between == [(True, [])]
    assert not runner.running


def test_a_cancelled_task_stops_running_at_once(qtbot, qloop):
    runner = TaskRunner()
    cancelled: list[bool] = []
    runner.cancelled.connect(lambda: cancelled.append(True))

    async def work(_progress: object) -> None:
        await asyncio.sleep(30)

    runner.start(work)
    assert runner.running
    runner.cancel()
    assert not runner.running and cancelled == [True]

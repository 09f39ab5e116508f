"""Progress events carry step snapshots made without dataclasses.replace (it is several times
slower, and a probe of many ports makes hundreds): the snapshot must still copy every field."""

from __future__ import annotations

import dataclasses

from smtpwizard.core.check import StepName, StepResult, StepStatus


def test_a_snapshot_copies_every_field():
    values = {"name": StepName.CONNECT, "status": StepStatus.OK, "duration": 0.25, "detail": "x"}
    assert {f.name for f in dataclasses.fields(StepResult)} == set(values)
    step = StepResult(**values)  # type: ignore[arg-type]
    copy = step.snapshot()
    assert copy == step and copy is not step
    step.detail = "changed"
    assert copy.detail == "x"

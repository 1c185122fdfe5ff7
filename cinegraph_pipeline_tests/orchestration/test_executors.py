"""The executor is chosen by configuration: in one process by default, another executor by
`CINEGRAPH_EXECUTOR` or by a run's config, with no code change."""

from __future__ import annotations

from typing import Any

import dagster as dg
import pytest

from cinegraph_pipeline.assets.festival_import.common import GROUP
from cinegraph_pipeline.definitions import defs
from cinegraph_pipeline.executors import EXECUTOR_VAR, build_executor


def _job(executor: dg.ExecutorDefinition) -> dg.JobDefinition:
    job = dg.define_asset_job("edition", selection=dg.AssetSelection.groups(GROUP))
    return dg.Definitions(
        assets=defs.assets, resources=defs.resources, jobs=[job], executor=executor
    ).resolve_job_def("edition")


def _executor_config(job: dg.JobDefinition, run_config: dict[str, Any]) -> dict[str, Any]:
    return dg.validate_run_config(job, run_config)["execution"]["cinegraph"]


def test_every_job_of_the_code_location_runs_on_the_cinegraph_executor() -> None:
    assert defs.resolve_job_def("festival_import_job").executor_def.name == "cinegraph"
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == "cinegraph"


@pytest.mark.parametrize(
    ("variable", "default"),
    [(None, "in_process"), ("multiprocess", "multiprocess"), ("celery", "celery")],
)
def test_the_environment_sets_the_default(
    monkeypatch: pytest.MonkeyPatch, variable: str | None, default: str
) -> None:
    if variable is None:
        monkeypatch.delenv(EXECUTOR_VAR, raising=False)
    else:
        monkeypatch.setenv(EXECUTOR_VAR, variable)
    job = _job(build_executor())
    assert set(_executor_config(job, {})) == {default}


def test_a_run_picks_another_executor_in_its_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(EXECUTOR_VAR, raising=False)
    job = _job(build_executor())
    chosen = _executor_config(
        job, {"execution": {"config": {"multiprocess": {"max_concurrent": 2}}}}
    )
    assert chosen["multiprocess"]["max_concurrent"] == 2
    celery = _executor_config(job, {"execution": {"config": {"celery": {"broker": "redis://x"}}}})
    assert celery["celery"]["broker"] == "redis://x"
    with pytest.raises(dg.DagsterInvalidConfigError):
        _executor_config(job, {"execution": {"config": {"k8s": {}}}})


def test_kubernetes_is_offered_when_the_deployment_chooses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(EXECUTOR_VAR, "k8s")
    job = _job(build_executor())
    assert set(_executor_config(job, {})) == {"k8s"}


def test_an_unknown_choice_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(EXECUTOR_VAR, "threads")
    with pytest.raises(ValueError, match=EXECUTOR_VAR):
        build_executor()

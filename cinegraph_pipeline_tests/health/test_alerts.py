"""The alert sensor: one message per failure episode, one on recovery, state in the cursor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
import pytest

from cinegraph_pipeline.assets.api_health import api_health
from cinegraph_pipeline.definitions import defs
from cinegraph_pipeline.health.alerts import AlertState, CheckOutcome
from cinegraph_pipeline.sensors.alerts import api_health_alerts
from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.migrate import upgrade
from cinegraph_pipeline.storage.resource import DatabaseResource
from cinegraph_pipeline.storage.writes import insert_metrics
from cinegraph_pipeline_tests.health.rows import tmdb_calls
from cinegraph_pipeline_tests.health.webhook import Receiver, webhook_receiver

# Only the TMDb success rate is under test here: the match-rate checks are switched off.
RUN_CONFIG = {
    "ops": {
        "api_health": {
            "config": {
                "charts": False,
                "thresholds": {"min_match_rate": {"tmdb": 0.0, "omdb": 0.0, "imdb": 0.0}},
            }
        }
    }
}


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
        yield instance


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    with webhook_receiver() as receiver:
        monkeypatch.setenv("CINEGRAPH_ALERT_WEBHOOK_URL", receiver.url)
        yield receiver


class World:
    """The film database, a Dagster instance and the sensor's cursor between ticks."""

    def __init__(self, url: str, instance: dg.DagsterInstance) -> None:
        self.url = url
        self.instance = instance
        self.engine = create_database_engine(url)
        upgrade(self.engine)
        self.cursor: str | None = None

    def calls(self, answered: int, failed: int) -> None:
        rows = tmdb_calls(answered, failed)
        for row in rows:
            row["inserted_at"] = datetime.now(UTC)
        insert_metrics(self.engine, rows)

    def refresh(self) -> None:
        result = dg.materialize(
            [api_health],
            instance=self.instance,
            resources={"database": DatabaseResource(url=self.url)},
            run_config=RUN_CONFIG,
        )
        assert result.success

    def tick(self) -> str:
        context = dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, definitions=defs
        )
        skip = api_health_alerts(context)
        self.cursor = context.cursor
        return str(skip.skip_message)


@pytest.fixture
def world(sqlite_url: str, instance: dg.DagsterInstance) -> Iterator[World]:
    world = World(sqlite_url, instance)
    yield world
    world.engine.dispose()


def test_one_message_per_failure_episode_and_one_on_recovery(
    world: World, receiver: Receiver
) -> None:
    world.calls(60, 40)
    world.refresh()
    assert "sent 1 alerts" in world.tick()
    (failure,) = receiver.posts
    assert set(failure) == {"text", "blocks"}
    assert "ERROR" in failure["text"] and "api_health / tmdb_success_rate" in failure["text"]
    assert "*measured*: 0.6" in failure["text"] and "*threshold*: 0.85" in failure["text"]
    assert failure["blocks"][0]["type"] == "header"

    world.refresh()  # still failing: the same episode
    world.tick()
    world.tick()
    assert len(receiver.posts) == 1

    world.calls(300, 0)  # 360 of 400 answered: 90%
    world.refresh()
    assert "sent 1 alerts" in world.tick()
    recovery = receiver.posts[1]
    assert "Recovered" in recovery["text"] and "tmdb_success_rate" in recovery["text"]
    assert "0 checks failing" in world.tick()
    assert len(receiver.posts) == 2

    world.calls(0, 400)  # a new outage is a new episode
    world.refresh()
    world.tick()
    assert len(receiver.posts) == 3 and "failed" in receiver.posts[2]["text"]


def test_a_failed_post_is_retried_on_the_next_tick(world: World, receiver: Receiver) -> None:
    world.calls(10, 90)
    world.refresh()
    receiver.statuses = [503]
    assert "1 to retry" in world.tick()
    assert receiver.posts == []
    world.tick()
    assert len(receiver.posts) == 1 and "tmdb_success_rate" in receiver.posts[0]["text"]
    world.tick()
    assert len(receiver.posts) == 1


def test_without_a_webhook_the_alert_is_logged(
    world: World, capfd: pytest.CaptureFixture[str]
) -> None:
    world.calls(10, 90)
    world.refresh()
    capfd.readouterr()
    assert "sent 1 alerts" in world.tick()
    logged = capfd.readouterr()
    assert "CINEGRAPH_ALERT_WEBHOOK_URL is not set" in logged.out + logged.err
    assert "tmdb_success_rate" in AlertState.from_cursor(world.cursor).failing.__repr__()


def test_history_from_before_the_sensor_is_not_replayed(world: World, receiver: Receiver) -> None:
    world.calls(10, 90)
    world.refresh()
    world.calls(900, 0)
    world.refresh()  # failed, then recovered, all before the first tick
    world.tick()
    assert receiver.posts == []


def outcome(record_id: int, passed: bool, partition: str | None = None) -> CheckOutcome:
    return CheckOutcome(
        record_id=record_id,
        asset_key="edition_write",
        check_name="no_lost_nominations",
        partition=partition,
        passed=passed,
        severity="ERROR",
        description=None,
        metadata={"measured": "2", "threshold": "0"},
        run_id="r" * 36,
        timestamp=1_800_000_000.0 + record_id * 60,
    )


def test_partitions_have_their_own_episodes() -> None:
    state = AlertState()
    messages = state.advance(
        [
            outcome(1, False, "cannes|2016"),
            outcome(2, True, "venice|2016"),
            outcome(3, False, "cannes|2016"),
        ]
    )
    assert len(messages) == 1 and "[cannes|2016]" in messages[0]["text"]
    state = AlertState.from_cursor(state.to_cursor())
    messages = state.advance([outcome(4, True, "cannes|2016")])
    assert len(messages) == 1 and "Recovered" in messages[0]["text"]
    assert "failed from" in messages[0]["blocks"][-1]["elements"][0]["text"]
    assert state.failing == {}
    assert AlertState.from_cursor("not json").seen == {}

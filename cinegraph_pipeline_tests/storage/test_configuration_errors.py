"""Bad database configuration ends in one clear sentence, never a stack trace."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
import pytest

from cinegraph_pipeline.storage.engine import DatabaseConfigError, create_database_engine
from cinegraph_pipeline.storage.resource import DatabaseResource


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "is not a valid SQLAlchemy URL"),
        ("mysql+pymysql://user@localhost/db", "which is not installed"),
        ("postgresql+psycopg2://user:s3cr3t@127.0.0.1:1/db", "cannot reach the film database"),
    ],
)
def test_bad_urls_get_clear_messages(url: str, expected: str) -> None:
    with pytest.raises(DatabaseConfigError) as info:
        create_database_engine(url)
    assert expected in str(info.value)
    assert "CINEGRAPH_DATABASE_URL" in str(info.value)
    assert "s3cr3t" not in str(info.value)


def test_cli_prints_one_line_and_exit_code_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cinegraph_pipeline.storage.cli", "--url", "bogus", "upgrade"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("cinegraph-db: CINEGRAPH_DATABASE_URL='bogus'")


def test_cli_migrates_the_default_database(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "cinegraph_pipeline.storage.cli", "upgrade"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "up to date" in result.stdout
    assert (tmp_path / "cinegraph.db").exists()


def test_resource_turns_config_errors_into_a_dagster_failure() -> None:
    resource = DatabaseResource(url="postgresql+psycopg2://u@127.0.0.1:1/db")
    with pytest.raises(dg.Failure) as info:
        resource.engine()
    assert "cannot reach the film database" in str(info.value.description)

.PHONY: setup test demo ui migrate lint format

setup:
	scripts/bootstrap

test:
	scripts/test

demo:
	scripts/demo

ui:
	scripts/ui

migrate: setup
	DAGSTER_HOME=$(CURDIR)/.dagster_home .venv/bin/cinegraph-db upgrade

format: setup
	.venv/bin/ruff format cinegraph_pipeline cinegraph_pipeline_tests benchmarks
	.venv/bin/ruff check --fix cinegraph_pipeline cinegraph_pipeline_tests benchmarks

from setuptools import find_packages, setup

setup(
    name="cinegraph_pipeline",
    version="0.1.0",
    description="Dagster pipeline importing film-festival nominations into a film database",
    python_requires=">=3.11,<3.12",
    packages=find_packages(exclude=["cinegraph_pipeline_tests*", "benchmarks*"]),
    include_package_data=True,
    package_data={
        "cinegraph_pipeline": [
            "storage/alembic.ini",
            "storage/migrations/*.py",
            "storage/migrations/*.mako",
            "storage/migrations/versions/*.py",
            "sandbox/data/*",
        ]
    },
    install_requires=[
        "dagster==1.13.27",
        "dagster-webserver==1.13.27",
        "dagster-postgres==0.29.27",
        "dagster-celery==0.29.27",
        "redis==8.1.0",  # the Celery executor's Redis broker (kombu's redis transport)
        "dagster-k8s==0.29.27",
        "SQLAlchemy==2.1.9",
        "alembic==1.20.1",
        "psycopg2-binary==2.9.13",
        "requests==2.34.2",
        "requests-cache==1.3.3",
        "urllib3>=2,<3",
        "rapidfuzz==3.14.6",
        "beautifulsoup4==4.15.0",
        "lxml==6.1.3",
        "pandas==3.1.1",
        "matplotlib==3.11.2",
        "PyYAML>=6,<7",
    ],
    extras_require={
        "dev": [
            "pytest==9.2.0",
            "pytest-timeout==2.4.0",
            "ruff==0.17.6",
        ]
    },
    entry_points={
        "console_scripts": [
            "cinegraph-db=cinegraph_pipeline.storage.cli:main",
            "cinegraph-review=cinegraph_pipeline.review.cli:main",
            "cinegraph-sandbox=cinegraph_pipeline.sandbox.__main__:main",
        ]
    },
)

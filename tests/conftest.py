"""Shared pytest fixtures. Keep additions small; heavy helpers go in their own modules."""

import pytest

try:  # tests/ as a package (if someone adds __init__.py) or as rootdir-inserted plain dir
    from . import pgserver
except ImportError:
    import pgserver


@pytest.fixture(scope="session")
def pg_dsn():
    """DSN of a throwaway PostgreSQL (or $SCALEAUDIT_TEST_DSN); skips/fails if none can run."""
    with pgserver.running() as dsn:
        yield dsn

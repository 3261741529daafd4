from tests.jobs.conftest import robots, world  # noqa: F401  (shared fixtures)

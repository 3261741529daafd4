from tests.workers import redis_worker, robots, world  # noqa: F401  (shared fixtures of the tests of jobs)

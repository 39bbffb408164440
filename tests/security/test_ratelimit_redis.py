"""Several web workers count the same limits when their counters are in redis
(`ZW_RATELIMIT_STORAGE_URL=redis://...`, docs/scaling.md step 3): attempts refused by one
worker count on the other. Two apps stand for two gunicorn workers (or two machines); the
machine's redis (127.0.0.1:6379, `ZW_TEST_REDIS_URL`) holds the counters, under a key prefix
of this test's own."""
from __future__ import annotations

import os
import uuid
from dataclasses import replace

import pytest

from tests.conftest import PASSWORD
from tests.security.test_ratelimit import attempt, count
from tracker.web.common import ratelimit

REDIS_URL = os.environ.get("ZW_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no redis server at {REDIS_URL}")
    yield REDIS_URL
    client.close()


def workers(config, storage_url: str, prefix: str):
    from tracker.app import create_app

    cfg = replace(config, ratelimit_enabled=True, ratelimit_storage_url=storage_url)
    return [create_app(cfg, TESTING=True, RATELIMIT_KEY_PREFIX=prefix) for _ in range(2)]


def test_two_workers_share_the_sign_in_limit_through_redis(config, world, redis_url):
    import redis

    prefix = f"zw-test-{uuid.uuid4().hex[:12]}"
    first, second = workers(config, redis_url, prefix)
    try:
        for _ in range(count(ratelimit.SIGN_IN_PER_EMAIL)):
            assert attempt(first.test_client(), "martin@example.org").status_code == 400
        # the other worker has seen none of them, yet refuses even the right password
        assert attempt(second.test_client(), "martin@example.org", PASSWORD).status_code == 429
        keys = redis.Redis.from_url(redis_url).keys(f"*{prefix}*")
        assert keys, "the counters are in redis"
    finally:
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        for app in (first, second):
            app.extensions["zw_db"].dispose()


def test_in_memory_counters_are_per_worker(config, world):
    """What redis is for: with `memory://` each worker counts alone (limits × workers)."""
    first, second = workers(config, "memory://", "zw")
    try:
        for _ in range(count(ratelimit.SIGN_IN_PER_EMAIL)):
            assert attempt(first.test_client(), "martin@example.org").status_code == 400
        assert attempt(first.test_client(), "martin@example.org", PASSWORD).status_code == 429
        assert attempt(second.test_client(), "martin@example.org", PASSWORD).status_code == 302
    finally:
        for app in (first, second):
            app.extensions["zw_db"].dispose()

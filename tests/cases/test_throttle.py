"""The deployment-wide token bucket, against a real Redis."""

import datetime
import uuid

import pytest
import redis
import time_machine

from cases.delivery import throttle


@pytest.fixture
def bucket(redis_url, settings):
    settings.REDIS_URL = redis_url
    settings.CELERY_TASK_DEFAULT_QUEUE = f"test-throttle-{uuid.uuid4().hex[:8]}"
    throttle._client = throttle._script = None
    yield redis.Redis.from_url(redis_url)
    throttle._client = throttle._script = None


@pytest.mark.redis
def test_a_burst_goes_at_once_and_the_next_send_waits_for_its_token(bucket, settings):
    settings.DELIVERY_RATE_LIMIT = "4/s"
    assert [throttle.acquire("email") for _ in range(4)] == [0.0] * 4  # a second's worth at once
    # At 6 a minute a token comes every 10 s: the next send is told to wait nearly all of it
    # (the script's answer, read without sleeping it; however slow the machine, not 5 s less).
    settings.DELIVERY_RATE_LIMIT = "6/m"
    assert throttle.acquire("slow") == 0.0
    throttle._redis()
    key = f"{settings.CELERY_TASK_DEFAULT_QUEUE}:delivery-bucket:slow"
    wait_ms = int(throttle._script(keys=[key], args=[0.1, 1.0]))
    assert 5_000 < wait_ms <= 10_000


@pytest.mark.redis
def test_channels_have_their_own_buckets(bucket, settings):
    settings.DELIVERY_RATE_LIMIT = "1/s"
    assert throttle.acquire("email") == 0.0
    assert throttle.acquire("wecom") == 0.0


@pytest.mark.redis
def test_a_worker_whose_clock_is_off_does_not_stall_the_others(bucket, settings):
    """The bucket runs on the Redis server's clock: a worker months behind (or a test frozen in
    the past) takes its token like any other instead of waiting out the difference."""
    settings.DELIVERY_RATE_LIMIT = "100/s"
    assert throttle.acquire("email") == 0.0
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC), tick=False):
        assert throttle.acquire("email") == 0.0


def test_no_limit_and_no_redis_send_without_the_bucket(settings):
    settings.DELIVERY_RATE_LIMIT = "0"
    assert throttle.acquire() == 0.0
    settings.DELIVERY_RATE_LIMIT, settings.REDIS_URL = "10/s", ""
    throttle._client = throttle._script = None
    assert throttle.acquire() == 0.0

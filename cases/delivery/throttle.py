"""One rate for all the workers: a token bucket in Redis that every send takes a token from.

Celery's own `rate_limit` is per worker instance ("not a global rate limit", Celery's task
guide): two workers at 600/m send 1,200 a minute, and the weekly job of a province (5,000
mails) took minutes. The mail server's limit is for the deployment as a whole, so the bucket
lives in Redis, shared by every worker process: `DELIVERY_RATE_LIMIT` ("200/s", "600/m") tokens
refill evenly, at most one second's worth wait in the bucket (a burst), and a send that finds
it empty waits the time the script says its token needs — well under a second at any sensible
rate — instead of being refused. The script runs atomically in Redis, so workers never race.

Without Redis (the embedded broker of `make run`, the tests' eager tasks) one worker sends
alone and the bucket is not used.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings

log = logging.getLogger(__name__)

# KEYS[1] the bucket; ARGV: rate per second, capacity. Returns the wait in ms (0: go).
# The bucket stores the time its next token is free ("theoretical arrival time", GCRA): one
# key, one value, and a token is claimed even when the caller must wait for it. "Now" is the
# Redis server's clock (TIME), the one clock all workers share: a worker whose clock is off
# (or a test that travels in time) cannot push the bucket months ahead and stall the others.
_SCRIPT = """
local interval = 1000.0 / tonumber(ARGV[1])
local burst = tonumber(ARGV[2]) * interval
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000.0 + tonumber(t[2]) / 1000.0
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - now - burst + interval
if wait < 0 then wait = 0 end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', math.ceil(tat + interval - now + 1000))
return math.ceil(wait)
"""

MAX_WAIT_SECONDS = 5.0
_UNITS = {"s": 1, "m": 60, "h": 3600}
_client = None
_script = None


def per_second(rate: str) -> float:
    """ "200/s" → 200.0, "600/m" → 10.0; "" or "0" → 0 (no limit)."""
    rate = (rate or "").strip()
    if not rate or rate == "0":
        return 0.0
    count, _, unit = rate.partition("/")
    return float(count) / _UNITS.get(unit.strip()[:1] or "s", 1)


def _redis():
    global _client, _script
    url = settings.REDIS_URL
    if not url:
        return None
    if _client is None:
        import redis

        _client = redis.Redis.from_url(url, socket_timeout=2)
        _script = _client.register_script(_SCRIPT)
    return _client


def acquire(channel: str = "email") -> float:
    """Take one token for `channel`, waiting for it if need be; the seconds waited.

    A Redis error does not stop the mail: it is logged and the send goes ahead.
    """
    rate = per_second(settings.DELIVERY_RATE_LIMIT)
    if rate <= 0 or _redis() is None or _script is None:
        return 0.0
    key = f"{settings.CELERY_TASK_DEFAULT_QUEUE}:delivery-bucket:{channel}"
    try:
        wait_ms = int(_script(keys=[key], args=[rate, max(1.0, rate)]))
    except Exception as exc:  # redis.RedisError, a timeout: never lose the mail over the throttle
        log.warning("delivery rate bucket unavailable (%s): sending without it", exc)
        return 0.0
    # The script never asks for more than a burst's worth; the cap guards a corrupted key.
    wait = min(wait_ms / 1000, MAX_WAIT_SECONDS)
    if wait:
        time.sleep(wait)
    return wait

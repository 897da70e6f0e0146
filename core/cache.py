"""The production cache: Redis, shared by every web process, and this process's memory while Redis is failing.

What the cache holds can be lost: allauth's rate-limit counts and the time of a staff person's last request
(groups.middleware). Sign-in sessions are in the database. So when Redis is down, the cache must neither fail
the request nor block it.

django-redis's IGNORE_EXCEPTIONS alone is not enough. A failed `cache.add` then answers "not added", and allauth's
rate limiter, which takes a lock with `cache.add` before counting, waits its second for the lock and then refuses
every sign-in with "Too many requests" (a 429 for everyone, tried with allauth 65.22). And each cache call would
try Redis again: a sign-in makes about twenty, so a Redis that hangs would cost twenty connect timeouts.

This backend therefore answers from a local-memory cache for `FALLBACK_SECONDS` after any Redis error, then tries
Redis again. While Redis is down, rate limits still count, per web process instead of across them (three gunicorn
workers allow up to three times the limit), and a request pays for at most one failed Redis call.
"""

import logging
import socket
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

FALLBACK_SECONDS = 5.0
REDIS_FAILURES = (RedisError, ConnectionInterrupted, socket.timeout, OSError)

# Per process (Django makes one cache object per thread): when Redis may be tried again, by cache location.
_redis_retry_at: dict[str, float] = {}
_lock = threading.Lock()


class RedisWithFallbackCache(RedisCache):
    """django-redis with IGNORE_EXCEPTIONS off (errors must reach us), falling back to local memory."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        options["IGNORE_EXCEPTIONS"] = False
        super().__init__(server, {**params, "OPTIONS": options})
        self._location = str(server)
        self._fallback = LocMemCache(
            f"coprod-redis-fallback:{self._location}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 10_000}},
        )

    def redis_paused(self) -> bool:
        return time.monotonic() < _redis_retry_at.get(self._location, 0.0)

    def _call(self, name, *args, **kwargs):
        if not self.redis_paused():
            try:
                return getattr(RedisCache, name)(self, *args, **kwargs)
            except REDIS_FAILURES as error:
                with _lock:
                    _redis_retry_at[self._location] = time.monotonic() + FALLBACK_SECONDS
                logger.warning(
                    "The cache (Redis) failed (%s: %s); using this process's memory for %s s",
                    type(error).__name__,
                    error,
                    FALLBACK_SECONDS,
                )
        return getattr(self._fallback, name)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def decr(self, *args, **kwargs):
        return self._call("decr", *args, **kwargs)

    def clear(self):
        self._fallback.clear()
        return self._call("clear")

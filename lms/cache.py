"""The Redis cache, made to degrade instead of failing the request.

Nothing the academy keeps in the cache is the only copy of anything: sessions are
written through to the database, anonymous pages are rebuilt, and the rest (Wagtail's
site root paths, the hub's up/down flag, roster-import progress, login and
verify-page throttling) can be forgotten. Django's RedisCache raises on every call
while Redis is down, which turns every page and every sign-in into a 500. This
backend answers from a per-process memory cache instead, logs once, and tries Redis
again a few seconds later. Throttling keeps working during the outage, per process
rather than across processes, instead of refusing every sign-in or letting every
guess through.

When Redis answers again, every key this process wrote or deleted meanwhile is
deleted from Redis first (and the memory cache emptied): Redis may have kept its
data through a network split, and must not bring back a session that was logged out
or a page version that moved on during the outage.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Seconds to use the memory cache after a Redis failure before trying Redis again:
# long enough that a page with ten cache calls does not pay ten connection errors.
DEFAULT_RETRY_AFTER = 5.0
# Keys remembered for deletion when Redis is back (a bound on memory in a long
# outage); later ones are not, and expire in Redis on their own.
MAX_REMEMBERED_KEYS = 10_000

_WRITES = {"add", "set", "touch", "delete", "incr", "set_many", "delete_many"}

# Shared by the per-thread cache objects of a process: one outage, one log line.
_lock = threading.Lock()
_down_until: dict[str, float] = {}
_written: dict[str, set[str]] = {}


class ReusingRedisCacheClient(RedisCacheClient):
    """Django builds a new `redis.Redis` on every cache call, and each one copies
    about 170 response callbacks: a quarter of a millisecond a call, six calls a
    page. One client per connection pool is enough (redis.Redis is thread-safe; the
    pool hands each command its own connection)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """RedisCache that falls back to a per-process LocMemCache while Redis fails.

    OPTIONS are redis-py connection options, plus `retry_after` (seconds).
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("retry_after", DEFAULT_RETRY_AFTER))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        self._server = server
        self._fallback = LocMemCache(
            f"redis-fallback-{server}",
            {key: value for key, value in params.items() if key != "OPTIONS"},
        )

    def ping(self) -> None:
        """Raise unless Redis itself answers (readiness must not see the fallback)."""
        self._cache.get_client(write=True).ping()

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() >= _down_until.get(self._server, 0.0):
            try:
                self._forget_outage_writes()
                return getattr(RedisCache, name)(self, *args, **kwargs)
            except RedisError as exc:
                self._failed(name, exc)
        if name in _WRITES:
            self._remember(name, args, kwargs)
        return getattr(self._fallback, name)(*args, **kwargs)

    def _failed(self, name: str, exc: RedisError) -> None:
        with _lock:
            first = self._server not in _written  # a new outage, not a retry
            _down_until[self._server] = time.monotonic() + self.retry_after
            _written.setdefault(self._server, set())
        if first:
            logger.warning(
                "Redis cache unavailable (%s on %s: %s); using a per-process "
                "memory cache, trying Redis again every %.0f s",
                type(exc).__name__,
                name,
                exc,
                self.retry_after,
            )

    def _remember(self, name: str, args: tuple, kwargs: dict[str, Any]) -> None:
        bound = inspect.signature(getattr(RedisCache, name)).bind(self, *args, **kwargs)
        given = bound.arguments
        if "key" in given:
            keys = [given["key"]]
        else:
            keys = list(given.get("data") or given.get("keys") or [])
        version = given.get("version")
        with _lock:
            written = _written.setdefault(self._server, set())
            for key in keys:
                if len(written) < MAX_REMEMBERED_KEYS:
                    written.add(self.make_key(key, version=version))

    def _forget_outage_writes(self) -> None:
        """First call after an outage: delete from Redis what changed meanwhile."""
        with _lock:
            written = _written.pop(self._server, None)
        if written is None:
            return
        try:
            keys = sorted(written)
            client = self._cache.get_client(write=True)
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])
        except RedisError:
            with _lock:
                _written.setdefault(self._server, set()).update(written)
            raise
        self._fallback.clear()
        logger.warning(
            "Redis cache available again; %d keys changed during the outage removed",
            len(written),
        )

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        return self._call("clear")


def cache_version(key: str) -> int:
    """The current value of a version counter kept in the cache (1 when unset).

    Cache keys built with the version are all retired at once by
    `cache_version_bump`, instead of deleting each of them."""
    from django.core.cache import cache

    return cache.get_or_set(key, 1, None)


def cache_version_bump(key: str) -> None:
    """Move a version counter on (it may have been evicted: start again at 2)."""
    from django.core.cache import cache

    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 2, None)

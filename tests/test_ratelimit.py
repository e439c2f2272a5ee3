"""
The deployment-wide sending rate, counted in the shared cache, with a clock the test moves.
"""
import pytest
from django.core.cache import caches

from openedx_bulkmail_plugin.sending.ratelimit import RateLimiter


class FakeClock:
    """A wall clock that moves only when someone sleeps."""

    def __init__(self, now=1000.0):
        self.current = now

    def now(self):
        return self.current

    def sleep(self, seconds):
        self.current += seconds


@pytest.fixture
def cache():
    shared = caches["default"]
    shared.clear()
    yield shared
    shared.clear()


def turns(limiter, clock, count):
    """The (fake) moments at which ``count`` messages were let through."""
    moments = []
    for _ in range(count):
        limiter.wait_for_turn()
        moments.append(clock.now())
    return moments


def test_messages_within_the_rate_go_at_once(cache):
    clock = FakeClock(1000.0)

    assert turns(RateLimiter(3, cache, clock.now, clock.sleep), clock, 3) == [1000.0, 1000.0, 1000.0]


def test_messages_beyond_the_rate_wait_for_the_next_second(cache):
    clock = FakeClock(1000.25)

    assert turns(RateLimiter(2, cache, clock.now, clock.sleep), clock, 5) == [1000.25, 1000.25, 1001.0, 1001.0, 1002.0]


def test_rate_below_one_per_second_spreads_messages_over_seconds(cache):
    clock = FakeClock(1000.0)

    assert turns(RateLimiter(0.5, cache, clock.now, clock.sleep), clock, 3) == [1000.0, 1002.0, 1004.0]


def test_fractional_rate_never_goes_over(cache):
    clock = FakeClock(1000.0)

    moments = turns(RateLimiter(2.5, cache, clock.now, clock.sleep), clock, 6)

    assert [int(moment) for moment in moments] == [1000, 1000, 1001, 1001, 1002, 1002]


def test_workers_sharing_the_cache_share_the_rate(cache):
    clock = FakeClock(1000.0)
    worker_a = RateLimiter(2, cache, clock.now, clock.sleep)
    worker_b = RateLimiter(2, cache, clock.now, clock.sleep)

    worker_a.wait_for_turn()
    worker_b.wait_for_turn()
    worker_a.wait_for_turn()

    assert clock.now() == 1001.0


def test_no_limiter_when_no_rate_is_set(settings):
    settings.BULKMAIL_MAX_MESSAGES_PER_SECOND = None

    assert RateLimiter.from_settings() is None


def test_limiter_uses_the_configured_cache(settings):
    settings.BULKMAIL_MAX_MESSAGES_PER_SECOND = 10
    settings.BULKMAIL_RATE_LIMIT_CACHE = "default"

    assert RateLimiter.from_settings().cache is caches["default"]

"""
A sending rate shared by every worker of the deployment.

Providers such as Amazon SES cap messages per second for the whole account, not per
process, so the count lives in a Django cache all workers share (Redis or memcached in an
LMS): one counter per time window, created with ``add`` and bumped with ``incr``, both
atomic there. A worker that finds the window full waits for the next one.
"""
import math
import time

from django.core.cache import caches

from ..conf import bulkmail_settings

KEY_PREFIX = "bulkmail:rate"
LONGEST_NAP_SECONDS = 1.0


class RateLimiter:
    """
    Lets at most ``per_second`` messages start per second, across every worker.

    A rate below one message per second counts over a longer window (one message per two
    seconds at 0.5). ``clock`` and ``sleep`` are the wall clock and the way to wait; tests
    pass fakes.
    """

    def __init__(self, per_second, cache, clock=time.time, sleep=time.sleep):
        self.window_seconds = 1 if per_second >= 1 else math.ceil(1 / per_second)
        self.allowed_per_window = max(1, math.floor(per_second * self.window_seconds))
        self.cache = cache
        self.clock = clock
        self.sleep = sleep

    @classmethod
    def from_settings(cls, **fakes):
        """The deployment's limiter, or None when BULKMAIL_MAX_MESSAGES_PER_SECOND is unset (or 0)."""
        per_second = bulkmail_settings.MAX_MESSAGES_PER_SECOND
        if not per_second:
            return None
        return cls(per_second, caches[bulkmail_settings.RATE_LIMIT_CACHE], **fakes)

    def wait_for_turn(self, while_waiting=None):
        """
        Return once this message may go out without the deployment going over the rate.

        A long wait is taken in naps of at most a second, calling ``while_waiting`` before
        each, so that the caller can keep what it holds meanwhile (a batch keeps its lease).
        """
        while True:
            now = self.clock()
            window = math.floor(now / self.window_seconds)
            if self._take_place_in(window):
                return
            if while_waiting is not None:
                while_waiting()
            self.sleep(min(max((window + 1) * self.window_seconds - now, 0.001), LONGEST_NAP_SECONDS))

    def _take_place_in(self, window):
        key = f"{KEY_PREFIX}:{self.window_seconds}:{window}"
        while True:
            self.cache.add(key, 0, timeout=self.window_seconds + 60)
            try:
                return self.cache.incr(key) <= self.allowed_per_window
            except ValueError:
                continue  # the counter expired between add and incr: create it again

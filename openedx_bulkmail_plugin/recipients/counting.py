"""
Counts for the Email page that answer at once, however large the course.

    a course of at most BULKMAIL_EXACT_COUNT_ENROLLMENTS enrollments
        counted now, exactly                                              EXACT
    a larger course
        the exact count a background task made less than
        BULKMAIL_COUNT_CACHE_SECONDS ago, with the time it was made        RECENT
        (older than a fifth of that, a newer one is asked for)
        none yet: an estimate from a sample (see :mod:`.estimates`),
        while the background task makes the exact one                     ESTIMATE

Counting a million enrollments exactly takes seconds on MariaDB; the page asks at every
click. So a large course is counted by a Celery task, one at a time per course and
selection, and kept in the Django cache (no table of the platform's, nor of ours): the
page says when a RECENT count was made and says "about" of an ESTIMATE, and asks again
until the exact count replaces it. A count is never more than an announcement: the count
an email is sent with is its ledger's, written when the send starts.
"""
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from celery import shared_task
from django.core.cache import caches
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from opaque_keys.edx.keys import CourseKey

from .. import platform
from ..conf import bulkmail_settings
from . import census as censuses
from .estimates import course_sample
from .groups import MYSELF, STAFF, CourseOffer, course_team_roles
from .selection import learner_groups_condition, recipients_queryset

log = logging.getLogger(__name__)

EXACT = "exact"
RECENT = "recent"
ESTIMATE = "estimate"
COUNT_TASK_NAME = "openedx_bulkmail_plugin.tasks.count_recipients"
CENSUS = "census"


@dataclass(frozen=True)
class Counted:
    """A count (or, for the groups, ``[(group, count)]``), when it was made, and how sure it is."""

    value: object
    counted_at: datetime
    status: str


def groups(course_key, requester):
    """Every offered group, in display order, with its count: ``Counted([(group, count)])``."""
    if not counted_in_background(course_key):
        return Counted(censuses.counted_groups(course_key, requester), timezone.now(), EXACT)
    found = _background(course_key, CENSUS)
    if found is not None:
        census, counted_at = found
        return Counted(censuses.counted_groups(course_key, requester, census), counted_at, RECENT)
    return Counted(censuses.counted_groups(course_key, requester, _estimated_census(course_key)),
                   timezone.now(), ESTIMATE)


def selection(course_key, requester, targets=(), usernames=(), filters=None, exact=False):
    """
    How many a selection reaches, each person once: ``Counted(count)``.

    ``usernames`` as :func:`.selection.validate_selection` resolved them and ``filters``
    validated. ``exact`` counts now whatever the course's size (before a send is confirmed).

    Raises:
        UnknownGroup, EmptySelection, InvalidFilter: as :func:`.selection.recipients_queryset`.
    """
    recipients = recipients_queryset(course_key, targets, requester, usernames, filters)
    if exact or not counted_in_background(course_key):
        return Counted(recipients.count(), timezone.now(), EXACT)
    offer = CourseOffer(course_key)
    keys = offer.canonical_keys(targets)
    if not usernames and not filters:
        found = _background(course_key, CENSUS)
        census, counted_at, status = (*found, RECENT) if found else (
            _estimated_census(course_key), timezone.now(), ESTIMATE)
        return Counted(census.selection(offer, keys, _myself_adds_one(course_key, keys, requester)),
                       counted_at, status)
    found = _background(course_key, _selection_job(keys, requester, usernames, filters))
    if found is not None:
        return Counted(found[0], found[1], RECENT)
    return Counted(_estimate(offer, requester, keys, usernames, filters), timezone.now(), ESTIMATE)


def counted_in_background(course_key):
    """Whether the course has more enrollments than are counted on every request: one capped index scan."""
    limit = bulkmail_settings.EXACT_COUNT_ENROLLMENTS
    enrollments = platform.CourseEnrollment().objects.filter(course_id=course_key).order_by()
    return enrollments.values("id")[:limit + 1].count() > limit


def _myself_adds_one(course_key, keys, requester):
    """Whether Myself is selected by a requester whom the other selected groups do not reach already."""
    if MYSELF not in keys or requester is None:
        return False
    others = [key for key in keys if key != MYSELF]
    return not others or not recipients_queryset(course_key, others, None).filter(pk=requester.pk).exists()


def _estimated_census(course_key):
    sample = course_sample(course_key)
    return censuses.take(course_key, sample) if sample is not None else censuses.Census((), 0)


def _estimate(offer, requester, keys, usernames, filters):
    """
    The learner groups counted in a sample and scaled, plus everyone else counted exactly.

    Everyone else is Myself, the team and the named learners (at most 10,000) whom the
    learner groups do not reach already: few, so they are counted one by one.
    """
    course_key = offer.course_key
    learner_keys = [key for key in keys if key not in (MYSELF, STAFF)]
    sampled = 0
    sample = course_sample(course_key)
    if learner_keys and sample is not None:
        sampled = sample.scaled(recipients_queryset(course_key, learner_keys, None, (), filters, sample).count())
    others = [key for key in keys if key in (MYSELF, STAFF)]
    if not others and not usernames:
        return sampled
    rest = recipients_queryset(course_key, others, requester, usernames, filters).filter(
        _few(course_key, others, requester, usernames))
    if learner_keys:
        rest = rest.exclude(learner_groups_condition(offer, learner_keys, filters))
    return sampled + rest.count()


def _few(course_key, others, requester, usernames):
    """
    The few people besides the learner groups, as constant lists the database looks up by index.

    The team's ids are read first (a few dozen): as a subquery inside an OR, MariaDB would
    read every user of the platform to decide it.
    """
    few = Q(username__in=list(usernames or ()))
    if STAFF in others:
        few |= Q(pk__in=list(course_team_roles(course_key).values_list("user_id", flat=True)))
    if MYSELF in others and requester is not None:
        few |= Q(pk=requester.pk)
    return few


def _selection_job(keys, requester, usernames, filters):
    return {"keys": sorted(keys), "requester": requester.pk if requester is not None and MYSELF in keys else None,
            "usernames": sorted(usernames or ()), "filters": dict(sorted((filters or {}).items()))}


def _cache_key(course_key, job, suffix=""):
    digest = hashlib.sha256(json.dumps([str(course_key), job], sort_keys=True).encode()).hexdigest()
    return f"bulkmail:count:{digest}{suffix}"


def _background(course_key, job):
    """
    ``(value, counted_at)`` of the background count of ``job``, or None while there is none.

    Asks for a newer one when there is none or it is older than a fifth of its life.
    """
    cache, key = caches[bulkmail_settings.COUNT_CACHE], _cache_key(course_key, job)
    found = cache.get(key)
    if found is None or (timezone.now() - found[1]).total_seconds() > bulkmail_settings.COUNT_CACHE_SECONDS / 5:
        _queue(course_key, job, cache, key)
        found = cache.get(key) or found  # a Celery that runs tasks eagerly has counted already
    return found


def _queue(course_key, job, cache, key):
    """Queue the background count of ``job``, unless one is queued or running already."""
    lifetime = bulkmail_settings.COUNT_CACHE_SECONDS
    if not cache.add(key + ":queued", True, timeout=lifetime):
        return
    try:
        count_recipients.apply_async((str(course_key), job), queue=bulkmail_settings.CELERY_QUEUE)
    except BrokerError:
        cache.delete(key + ":queued")
        log.exception("Could not queue the count of %s; the Email page shows an estimate.", course_key)


@shared_task(name=COUNT_TASK_NAME, ignore_result=True)
def count_recipients(course_id, job):
    """Count ``job`` (the census of a course, or one selection) exactly, and keep it in the cache."""
    course_key = CourseKey.from_string(course_id)
    cache, key = caches[bulkmail_settings.COUNT_CACHE], _cache_key(course_key, job)
    try:
        if job == CENSUS:
            value = censuses.take(course_key)
        else:
            requester = platform.User().objects.filter(pk=job["requester"]).first() if job["requester"] else None
            value = recipients_queryset(course_key, job["keys"], requester, job["usernames"], job["filters"]).count()
        cache.set(key, (value, timezone.now()), timeout=bulkmail_settings.COUNT_CACHE_SECONDS)
    finally:
        cache.delete(key + ":queued")

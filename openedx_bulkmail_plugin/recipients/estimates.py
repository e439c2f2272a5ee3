"""
Estimates: how many a selection reaches, from a sample of a large course's enrollments.

Counting a million enrollments exactly means reading a million user rows (the learner
rules look at each account's last login, and the platform's ``auth_user`` has no index
that would answer for many at once), several seconds on MariaDB. The Email page cannot
wait that long at every click, so until the exact count made in the background is ready
(:mod:`.counting`), it shows an estimate from a sample of the course's enrollments:

    windows   WINDOWS ranges of enrollment ids spread evenly over the course's ids, which
              together hold about SAMPLE_ENROLLMENTS of its enrollments; the platform's
              index on the enrollment's course (course_id, then id) finds them without
              reading the rest of the course
    scale     how many of the course's enrollments each sampled one stands for

Spreading the sample over the whole range of ids takes learners of every enrollment
period (early enrollees are more often dormant or passed than late ones). The estimate
is never shown as a count: the page says "about" until the exact one replaces it.
"""
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q

from .. import platform

SAMPLE_ENROLLMENTS = 20_000
WINDOWS = 100


@dataclass(frozen=True)
class Sample:
    """Ranges of enrollment ids of one course, and how many enrollments each sampled one stands for."""

    windows: tuple
    scale: float

    def of(self, enrollments):
        """The enrollments of ``enrollments`` (a queryset of the course's) that fall in the sample."""
        return enrollments.filter(reduce(or_, (Q(id__range=window) for window in self.windows)))

    @property
    def whole(self):
        """Whether the sample is the whole course, so that what it counts is exact."""
        return self.scale == 1.0

    def scaled(self, count):
        """A count taken in the sample, as an estimate for the whole course."""
        return round(count * self.scale)


def course_sample(course_key):
    """
    A sample of the course's enrollments of about SAMPLE_ENROLLMENTS, or None for a course without any.

    A course whose ids are sparse (its learners enrolled among many other courses' over
    years) gets wider windows, after one cheap count of what the first ones held.
    """
    enrollments = platform.CourseEnrollment().objects.filter(course_id=course_key).order_by()
    first = enrollments.order_by("id").values_list("id", flat=True).first()
    last = enrollments.order_by("-id").values_list("id", flat=True).first()
    if first is None:
        return None
    span = last - first + 1
    share = SAMPLE_ENROLLMENTS / span
    if share < 1:
        held = _windows(first, span, share).of(enrollments).count()
        if held < SAMPLE_ENROLLMENTS / 2:
            share *= SAMPLE_ENROLLMENTS / max(held, 1)
    if share >= 1:
        return Sample(((first, last),), 1.0)  # the whole course: the "estimate" is exact
    return _windows(first, span, share)


def _windows(first, span, share):
    """WINDOWS ranges, each ``share`` of its stretch of the ids, starting at the stretch's start."""
    count = min(WINDOWS, span)
    stretch = span / count
    width = max(1, round(stretch * share))
    windows = tuple(
        (first + int(number * stretch), first + int(number * stretch) + width - 1) for number in range(count))
    covered = sum(min(width, int((number + 1) * stretch) - int(number * stretch)) for number in range(count))
    return Sample(windows, span / covered)

"""
Who an email reaches: recipient groups, named learners and filters, decided in SQL.

    validate_selection(course, targets, individuals, filters)  check and resolve what was chosen
    recipients_queryset(course, targets, requester, ...)        everyone it reaches, one User queryset
    for_email(email)                                            the same, for a stored email
    preview(course, requester, ...)                             count, first 100, not found, left out
    counting.groups / counting.selection                        the Email page's counts, at once at any size
    describe_selection(...)                                     the selection in the instructor's words

One module per concept: :mod:`.groups` (the guide's groups), :mod:`.individuals` (named
learners), :mod:`.filters` (grade, activity, enrollment date), :mod:`.selection` (how they
combine), :mod:`.preview` (seeing who), :mod:`.census` (learners per track and cohort),
:mod:`.counting` and :mod:`.estimates` (counts of large courses, ADR 7). No user is ever
loaded into Python to decide whether they belong: counting is one query, listing one
streamed query, and the ledger is written from the queryset with INSERT ... SELECT.
"""
from . import counting
from .census import counted_groups, group_counts
from .filters import InvalidFilter
from .groups import (
    COHORT_PREFIX,
    LEARNERS,
    MYSELF,
    STAFF,
    TRACK_PREFIX,
    CourseOffer,
    EmptySelection,
    Group,
    UnknownGroup,
    available_groups,
    eligibility_cutoff,
    learner_condition,
    learner_rules,
    months_before,
    staff_condition,
    validate_targets,
)
from .individuals import MAX_INDIVIDUALS, InvalidIndividuals
from .preview import SHOWN_RECIPIENTS, preview
from .selection import (
    Selection,
    SelectionInvalid,
    UserRange,
    describe_selection,
    for_email,
    reachable,
    reachable_for_email,
    recipients_queryset,
    validate_selection,
)

__all__ = [
    "COHORT_PREFIX", "LEARNERS", "MAX_INDIVIDUALS", "MYSELF", "SHOWN_RECIPIENTS", "STAFF", "TRACK_PREFIX",
    "CourseOffer", "EmptySelection", "counting", "Group", "InvalidFilter", "InvalidIndividuals",
    "Selection", "SelectionInvalid", "UnknownGroup", "UserRange", "available_groups", "counted_groups",
    "describe_selection",
    "eligibility_cutoff", "for_email", "group_counts", "learner_condition", "learner_rules", "months_before",
    "preview", "reachable", "reachable_for_email", "recipients_queryset", "staff_condition",
    "validate_selection", "validate_targets",
]

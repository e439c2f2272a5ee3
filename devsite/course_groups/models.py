"""
Stand-ins for edx-platform's cohort models.
"""
from django.conf import settings
from django.db import models
from opaque_keys.edx.django.models import CourseKeyField


class CourseUserGroup(models.Model):
    COHORT = "cohort"
    GROUP_TYPE_CHOICES = ((COHORT, "Cohort"),)

    name = models.CharField(max_length=255)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, db_index=True, related_name="course_groups")
    course_id = CourseKeyField(max_length=255, db_index=True)
    group_type = models.CharField(max_length=20, choices=GROUP_TYPE_CHOICES)

    class Meta:
        app_label = "course_groups"
        db_table = "course_groups_courseusergroup"
        unique_together = (("name", "course_id"),)


class CohortMembership(models.Model):
    course_user_group = models.ForeignKey(CourseUserGroup, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    course_id = CourseKeyField(max_length=255)

    class Meta:
        app_label = "course_groups"
        db_table = "course_groups_cohortmembership"
        unique_together = (("user", "course_id"),)


class CourseCohortsSettings(models.Model):
    is_cohorted = models.BooleanField(default=False)
    course_id = CourseKeyField(unique=True, max_length=255, db_index=True)

    class Meta:
        app_label = "course_groups"
        db_table = "course_groups_coursecohortssettings"


class CourseCohort(models.Model):
    RANDOM = "random"
    MANUAL = "manual"
    ASSIGNMENT_TYPE_CHOICES = ((RANDOM, "Random"), (MANUAL, "Manual"))

    course_user_group = models.OneToOneField(CourseUserGroup, unique=True, related_name="cohort",
                                             on_delete=models.CASCADE)
    assignment_type = models.CharField(max_length=20, choices=ASSIGNMENT_TYPE_CHOICES, default=MANUAL)

    class Meta:
        app_label = "course_groups"
        db_table = "course_groups_coursecohort"

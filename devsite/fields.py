"""
A model field the platform defines for its largest tables, rebuilt for the stand-ins.
"""
from django.db import models


class UnsignedBigIntAutoField(models.AutoField):
    """
    The platform's primary key of grades and courseware state: ``bigint UNSIGNED`` on MySQL.

    SQLite only auto-increments an ``integer`` primary key, so there it is one.
    """

    def db_type(self, connection):
        if connection.vendor == "mysql":
            return "bigint UNSIGNED AUTO_INCREMENT"
        if connection.vendor == "sqlite":
            return "integer"
        return "bigserial"

    def rel_db_type(self, connection):
        if connection.vendor == "mysql":
            return "bigint UNSIGNED"
        return "bigint" if connection.vendor != "sqlite" else "integer"

    def get_internal_type(self):
        # The range Django checks lookups against: a 32-bit one would silently drop large ids.
        return "BigAutoField"

"""The people of the force and its org units, as the HR system knows them."""

from __future__ import annotations

import functools
import operator

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils import timezone
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet


class OrgUnitQuerySet(MP_NodeQuerySet):
    def open(self) -> OrgUnitQuerySet:
        """Units not closed: those people can be put in and assignments can name."""
        return self.filter(closed_on=None)


class OrgUnitManager(MP_NodeManager.from_queryset(OrgUnitQuerySet)):
    def get_queryset(self) -> OrgUnitQuerySet:
        return OrgUnitQuerySet(self.model, using=self._db).order_by("path")


class OrgUnit(MP_Node):
    """A unit of the force: the force, a business group, a command unit, a team.

    A materialised-path tree: a unit's path begins with the path of every unit above it, so
    "within this unit" (the unit and everything below it) is one indexed prefix query. That
    rule is written here once, as ``within_q`` for queries and ``contains`` for a unit in hand;
    ``User.objects.within(unit)`` and ``Enrolment.objects.within(unit)`` are built on it.
    """

    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=50, unique=True, help_text="Short code used by the HR system.")
    closed_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the unit was closed. A closed unit keeps its history but takes no one new: it is "
        "left out of choosers and of the HR import's known units.",
    )

    objects = OrgUnitManager()

    class Meta:
        verbose_name = "org unit"

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    def contains(self, other: OrgUnit) -> bool:
        """Whether ``other`` is this unit or a unit below it."""
        return other.path.startswith(self.path)

    @staticmethod
    def within_q(*units: OrgUnit, field: str = "org_unit") -> models.Q:
        """The rows whose org unit is one of ``units`` or a unit below one of them.

        ``field`` is the lookup from the rows to their org unit: ``"org_unit"`` for people,
        ``"user__org_unit"`` for a person's records, ``""`` for org units themselves. No units:
        no rows.
        """
        lookup = f"{field}__path__startswith" if field else "path__startswith"
        if not units:
            return models.Q(pk__in=[])
        # Each unit's condition alone, OR-ed: every branch names the same join, so it stays inner.
        return functools.reduce(operator.or_, (models.Q(**{lookup: unit.path}) for unit in units))

    @classmethod
    def path_and_above(cls, path: str) -> list[str]:
        """The paths of the unit at ``path`` and of each unit above it, the top first: the
        units that contain it."""
        return [path[:end] for end in range(cls.steplen, len(path) + 1, cls.steplen)]


class UserQuerySet(models.QuerySet):
    def within(self, *units: OrgUnit) -> UserQuerySet:
        """The people in any of ``units`` or a unit below one of them."""
        return self.filter(OrgUnit.within_q(*units))


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    """Django's user manager (``create_user``, ``create_superuser``...) with the people filters."""


class User(AbstractUser):
    """Every officer and member of staff, from the first migration.

    Accounts come from the HR system; the warrant or staff number is the key that ties an
    account to its training record.
    """

    warrant_number = models.CharField(
        "warrant or staff number",
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        help_text="Unique; left blank only for break-glass administrator accounts.",
    )
    rank = models.CharField("rank or grade", max_length=80, blank=True)
    role = models.CharField(max_length=80, blank=True, help_text="The person's role, as the HR system names it.")
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    line_manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    joined_on = models.DateField(
        null=True, blank=True, help_text="When the person first came in from the HR system (or was added)."
    )

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "people"
        permissions = [
            ("view_transcript", "Can download anyone's training transcript"),
            ("view_team", "Can see the training records of people in their own org unit and the units below it"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class PeopleImport(models.Model):
    """One CSV of people from the HR system: checked in a dry run, then applied (all or
    nothing) at most once. Kept as the record of who changed the people, when, and how."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField(editable=False)
    summary = models.JSONField(default=dict, help_text="The dry run's counts.")
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.file_name} uploaded {self.uploaded_at:%Y-%m-%d %H:%M}"

"""What publishing a policy version asks of people, told to the policy owner before and after.

``certificates`` knows nothing of modules or enrolments, so it asks: ``reattestation_asked``
is sent with a version (stored, or only drafted) and ``learning`` answers with a
``Reattestation`` built from the same rule that opens the re-attestation cycle."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.dispatch import Signal
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .models import PolicyDocument, PolicyVersion

# Sent with ``version`` (a PolicyVersion, saved or not): a receiver returns a ``Reattestation``
# saying whom it asks to attest again, or None when it cannot tell.
reattestation_asked = Signal()


@dataclass(frozen=True)
class Reattestation:
    """Whom a material version asks to attest again, and by when.

    Before its cycle opens, ``people`` are those who would be asked if it took effect today
    (so a version taking effect later may ask a few more: those who complete meanwhile); once
    opened (``opened``), those it asked."""

    people: int
    due_date: datetime.date
    opens_on: datetime.date
    opened: bool
    # (top org unit, people), most people first; people with no org unit under "No org unit".
    by_unit: list[tuple[str, int]] = field(default_factory=list)
    module_ids: list[int] = field(default_factory=list)

    @property
    def days_to_attest(self) -> int:
        return (self.due_date - self.opens_on).days

    @property
    def people_text(self) -> str:
        """ "4,812 people", "1 person"."""
        return f"{self.people:,} {'person' if self.people == 1 else 'people'}"

    @property
    def report_url(self) -> str:
        """The completion report by org unit for the cycle's enrolments: those on its module due
        on its date (the reports have no filter by cycle, so module and due date stand in)."""
        if not self.opened or len(self.module_ids) != 1:
            return ""
        try:
            url = reverse("report_by_unit")
        except NoReverseMatch:
            return ""
        day = self.due_date.isoformat()
        return f"{url}?{urlencode({'module': self.module_ids[0], 'due_from': day, 'due_to': day})}"


def reattestation_for(version: PolicyVersion) -> Reattestation | None:
    """Whom ``version`` asks (or would ask) to attest again: the first answer to
    ``reattestation_asked``; None for a minor change, the first version, or nobody to ask."""
    for _receiver, answer in reattestation_asked.send(sender=PolicyVersion, version=version):
        if isinstance(answer, Reattestation):
            return answer
    return None


def drafted_version(document: PolicyDocument) -> PolicyVersion | None:
    """The version publishing the draft would store (unsaved), or None when the text and
    statement are those of the version stored last, so publishing would store nothing."""
    if not document.pk or not document.text_changed():
        return None
    return document.next_version()


def is_first_version(version: PolicyVersion) -> bool:
    earlier = PolicyVersion.objects.filter(document_id=version.document_id)
    if version.pk:
        earlier = earlier.filter(pk__lt=version.pk)
    return not earlier.exists()


@dataclass(frozen=True)
class Consequences:
    """What publishing the draft does, for the panel on the edit form."""

    version: PolicyVersion | None  # None: publishing stores no new version
    first: bool = False
    reattestation: Reattestation | None = None
    # With no new text drafted yet: whom new text would ask if published today as a material change.
    if_material: Reattestation | None = None


def consequences_of_draft(document: PolicyDocument) -> Consequences:
    """What publishing ``document``'s draft (as last saved) would store and whom it would ask."""
    version = drafted_version(document)
    if version is None:
        if document.pk is None or document.latest_version() is None:
            return Consequences(version=None)
        material_today = PolicyVersion(
            document=document,
            material=True,
            effective_date=timezone.localdate(),
            reattest_within_days=document.reattest_within_days,
        )
        return Consequences(version=None, if_material=reattestation_for(material_today))
    first = is_first_version(version)
    asked = reattestation_for(version) if version.material and not first else None
    return Consequences(version=version, first=first, reattestation=asked)


def published_summary(version: PolicyVersion | None, document: PolicyDocument) -> str:
    """The message after a publish: the version stored and whom it asks to attest again."""
    if version is None:
        return (
            f"“{document}” published. The text and statement are unchanged, so no new version was stored "
            "and nobody is asked to attest again."
        )
    published = f"Version {version.version_label} of “{document}” published"
    if is_first_version(version):
        return f"{published}: the policy's first version, so nobody is asked to attest again."
    if not version.material:
        return f"{published}: a minor change, so nobody is asked to attest again."
    asked = reattestation_for(version)
    later = version.effective_date > timezone.localdate()
    takes_effect = f", taking effect on {version.effective_date:%-d %B %Y}" if later else ""
    if asked is None or not asked.people:
        return f"{published}{takes_effect}; nobody has completed a module using it, so nobody is asked to attest again."
    people = asked.people_text
    if later:
        return (
            f"{published}{takes_effect}. On that day {people} (as things stand today) will be asked to attest "
            f"again, by {asked.due_date:%-d %B %Y}."
        )
    return f"{published}; {people} will be asked to attest again by {asked.due_date:%-d %B %Y}."

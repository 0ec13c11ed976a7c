"""Who may see one person's training record: their certificates and their transcript.

Django asks every authentication backend for an object permission
(``user.has_perm("certificates.view_certificate", certificate)``); this one answers it, so the
views that serve records need not know about org units:

- everyone may see their own record;
- a holder of the permission itself (HR, through their group) may see anyone's;
- a line manager (``people.view_team``) may see the records of people in their own org unit
  and every unit below it, and nobody else's.
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

# The permissions this backend answers for an object, and how to find the person it belongs to.
RECORD_OWNER = {
    "certificates.view_certificate": lambda certificate: certificate.user,
    "people.view_transcript": lambda person: person,
}


def manages(viewer, person) -> bool:
    """Whether ``viewer`` is a line manager whose org unit contains ``person``'s."""
    if not (viewer.org_unit_id and person.org_unit_id and viewer.has_perm("people.view_team")):
        return False
    return viewer.org_unit.contains(person.org_unit)


class TrainingRecordBackend(BaseBackend):
    def has_perm(self, user_obj, perm, obj=None):
        if obj is None or perm not in RECORD_OWNER or not user_obj.is_active:
            return False
        person = RECORD_OWNER[perm](obj)
        return person.pk == user_obj.pk or user_obj.has_perm(perm) or manages(user_obj, person)

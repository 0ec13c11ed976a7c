"""Tables written once and kept: the attestation ledger, its anchors, and the audit log."""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.utils.text import capfirst


def append_only_triggers() -> list[pgtrigger.Trigger]:
    """PostgreSQL triggers that refuse UPDATE, DELETE and TRUNCATE of a table, whoever connects."""
    return [
        pgtrigger.Protect(name="append_only_no_update", operation=pgtrigger.Update),
        pgtrigger.Protect(name="append_only_no_delete", operation=pgtrigger.Delete),
        pgtrigger.Trigger(
            name="append_only_no_truncate",
            operation=pgtrigger.Truncate,
            level=pgtrigger.Statement,
            when=pgtrigger.Before,
            func="RAISE EXCEPTION 'pgtrigger: Cannot truncate % table', TG_TABLE_NAME;",
        ),
    ]


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError(f"{self.model.__name__} rows are never changed.")

    def delete(self):
        raise PermissionError(f"{self.model.__name__} rows are never deleted.")


class AppendOnlyModel(models.Model):
    """Rows written once and kept: never changed or deleted through the ORM (and, with
    ``append_only_triggers()`` in Meta, not through the database on PostgreSQL either)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(f"{capfirst(self._meta.verbose_name_plural)} are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{capfirst(self._meta.verbose_name_plural)} are never deleted.")

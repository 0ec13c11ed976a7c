"""Signal receivers that write the audit log and end sessions when an account changes.

Sign-in events come from Django's and allauth's signals, MFA events from allauth.mfa's, each
download of a report from ``core.export.exported`` (core sits below this app and cannot call
it), and every change made through the Wagtail admin (modules, scenarios, policies,
assignments, exemptions, people, groups, certificate revocations) from Wagtail's own log
entries, copied here as they are written, because Wagtail's log can be edited and this one
cannot.
"""

from __future__ import annotations

import time

from allauth.account.signals import password_changed, password_reset, password_set
from allauth.mfa.signals import (
    authentication_failed,
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
    authenticator_used,
)
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.management import call_command
from django.db.models.signals import post_migrate, post_save, pre_save
from django.dispatch import receiver
from wagtail.models import ModelLogEntry, PageLogEntry

from core.export import exported

from . import audit
from .mfa import forget_verified, mark_verified
from .network import normalised_ip
from .sessions import end_sessions

Action = audit.Action


@receiver(user_logged_in)
def signed_in(sender, request, user, **kwargs):
    from .middleware import LAST_SEEN, SIGNED_IN_AT

    if request is None:
        return
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now
    # allauth notes its own sign-ins in its user sessions table; this notes every other way in
    # (Django's login(), the test client), so ending a person's sessions misses none.
    if not request.session.session_key:
        request.session.save()
    UserSession.objects.get_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip": normalised_ip(request.META.get("REMOTE_ADDR")) or "0.0.0.0",  # noqa: S104 - no address known
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
        },
    )
    audit.record(Action.SIGN_IN, request=request, actor=user)


@receiver(user_login_failed)
def sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password; only the name typed is kept.
    typed = credentials.get("username") or credentials.get("email") or credentials.get("login") or ""
    audit.record(Action.SIGN_IN_FAILED, request=request, actor_label=str(typed))


@receiver(user_logged_out)
def signed_out(sender, request, user, **kwargs):
    if request is None or user is None or getattr(request, "attest_session_expired", False):
        return
    audit.record(Action.SIGN_OUT, request=request, actor=user)


@receiver(authenticator_added)
def mfa_added(sender, request, user, authenticator, **kwargs):
    # Adding an authenticator app needs a code from it: that is MFA passed in this session.
    mark_verified(request, authenticator.type)
    audit.record(Action.MFA_ADDED, request=request, actor=user, verb=authenticator.type)


@receiver(authenticator_removed)
def mfa_removed(sender, request, user, authenticator, **kwargs):
    # Whatever it proved, this session must prove again with what is left.
    forget_verified(request)
    audit.record(Action.MFA_REMOVED, request=request, actor=user, verb=authenticator.type)


@receiver(authenticator_reset)
def mfa_reset(sender, request, user, authenticator, **kwargs):
    audit.record(Action.MFA_RECOVERY_CODES, request=request, actor=user, verb=authenticator.type)


@receiver(authenticator_used)
def mfa_used(sender, request, user, authenticator, **kwargs):
    mark_verified(request, authenticator.type)
    audit.record(
        Action.MFA_PASSED,
        request=request,
        actor=user,
        verb=authenticator.type,
        details={"reauthenticated": bool(kwargs.get("reauthenticated"))},
    )


@receiver(authentication_failed)
def mfa_failed(sender, request, user, authenticator=None, **kwargs):
    audit.record(Action.MFA_FAILED, request=request, actor=user, verb=getattr(authenticator, "type", ""))


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def password_replaced(sender, request, user, **kwargs):
    audit.record(Action.PASSWORD_CHANGED, request=request, actor=user)


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def remember_credentials(sender, instance, raw=False, update_fields=None, **kwargs):
    """Note what the row held before this save, so ``end_sessions_on_change`` can compare. A
    save of other fields only (``last_login`` at every sign-in) cannot change either: no query."""
    if raw or instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return
    instance._attest_was = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def end_sessions_on_change(sender, instance, created, raw=False, **kwargs):
    """A new password or a deactivated account ends every session the person has open, on
    every device; the session that changed the password is kept by Django's own
    ``update_session_auth_hash`` and is not in the table for long enough to matter here."""
    was = getattr(instance, "_attest_was", None)
    if raw or created or not was:
        return
    instance._attest_was = None
    if was["is_active"] and not instance.is_active:
        why = "deactivated"
    elif was["password"] != instance.password:
        why = "password changed"
    else:
        return
    if ended := end_sessions([instance.pk]):
        audit.record(Action.SESSIONS_ENDED, object=instance, details={"why": why, "ended": ended})


@receiver(exported)
def export_downloaded(sender, request, what, format, **kwargs):
    audit.export(request, what, format=format)


@receiver(post_save, sender=PageLogEntry)
@receiver(post_save, sender=ModelLogEntry)
def copy_wagtail_log_entry(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    content_type = instance.content_type
    audit.record(
        Action.CHANGE,
        actor=instance.user,
        verb=instance.action,
        object_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        object_id=instance.object_id,
        object_label=instance.label,
        details=instance.data if isinstance(instance.data, dict) else {},
    )


@receiver(post_migrate)
def create_cache_table(sender, app_config=None, using="default", **kwargs):
    """The database cache (the default, shared by every app process) needs its table; make it
    with the rest of the schema so no deployment step can be forgotten."""
    if app_config is not None and app_config.name == "access":
        call_command("createcachetable", database=using, verbosity=0)

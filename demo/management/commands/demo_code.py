"""Print the current authenticator app code of a demo account, for signing in to the demo
without setting up an app: ``python manage.py demo_code trainer``.

Only where demo data is allowed (dev and test settings), and only for an account whose app is
the one seed_demo set up with the published demo secret, so it reveals nothing that is not
already in the README.
"""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from .seed_demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current 6-digit authenticator code of a demo account (development and test only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="a demo account, for example trainer")

    def handle(self, *args, username: str, **options) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo codes are only for development and test settings.")
        app = Authenticator.objects.filter(user__username=username, type=Authenticator.Type.TOTP).first()
        if app is None:
            raise CommandError(
                f"{username} has no authenticator app. Privileged demo accounts get one from `manage.py seed_demo`."
            )
        if decrypt(app.data["secret"]) != DEMO_TOTP_SECRET:
            raise CommandError(f"{username}'s authenticator app is not the demo one; run `manage.py seed_demo` again.")
        now = int(time.time())
        period = app_settings.TOTP_PERIOD
        self.stdout.write(format_hotp_value(hotp_value(DEMO_TOTP_SECRET, now // period)))
        self.stderr.write(f"Valid for another {period - now % period} seconds.")

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q

from access import audit


class AccountAdapter(DefaultAccountAdapter):
    """People are provisioned from the HR system, so nobody signs themselves up."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth counts failed sign-ins per name typed; a person has a username and an email
        # address, which would give them two allowances. Count per account instead, and per
        # name typed only when it matches no account.
        login = (credentials.get("email") or credentials.get("username") or "").strip()
        person = (
            get_user_model().objects.filter(Q(username__iexact=login) | Q(email__iexact=login)).values("pk").first()
        )
        return f"person:{person['pk']}" if login and person else f"login:{login.lower()}"

    def pre_authenticate(self, request, **credentials) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            typed = credentials.get("email") or credentials.get("username") or ""
            audit.record(
                audit.Action.SIGN_IN_REFUSED, request=request, actor_label=typed, details={"why": "too many attempts"}
            )
            raise

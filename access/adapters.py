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
        request.attest_password_stage = True  # its refusal is logged here, with the name typed
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            typed = credentials.get("email") or credentials.get("username") or ""
            audit.record(
                audit.Action.SIGN_IN_REFUSED, request=request, actor_label=typed, details={"why": "too many attempts"}
            )
            raise

    def validation_error(self, code: str, *args):
        """allauth's errors by code; a rate limit on MFA codes (allauth raises it with no signal)
        also goes to the audit log, naming the person whose codes were refused."""
        if (
            code in RATE_LIMITED
            and self.request is not None
            and not getattr(self.request, "attest_password_stage", False)
        ):
            request = self.request
            user = request.user if request.user.is_authenticated else _pending_sign_in(request)
            audit.record(
                audit.Action.MFA_FAILED,
                request=request,
                actor=user,
                details={"why": "too many codes: rate limited"},
            )
        return super().validation_error(code, *args)


# allauth's error codes for a rate limit reached: signing in, and entering MFA codes.
RATE_LIMITED = {"too_many_login_attempts", "rate_limited"}


def _pending_sign_in(request):
    """The person halfway through signing in (password given, MFA code not yet), if any."""
    stage = getattr(request, "_login_stage", None)
    return getattr(getattr(stage, "login", None), "user", None)

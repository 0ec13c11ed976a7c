from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """People are provisioned from the HR system, so nobody signs themselves up."""

    def is_open_for_signup(self, request) -> bool:
        return False

"""The sign-in form: django-allauth's, with errors that say what is missing."""

from allauth.account.forms import LoginForm


class SignInForm(LoginForm):
    """allauth's ``LoginForm`` (settings' ``ACCOUNT_FORMS``); GOV.UK wording for empty fields,
    not "This field is required." twice."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].error_messages["required"] = "Enter your username or email address."
        self.fields["password"].error_messages["required"] = "Enter your password."

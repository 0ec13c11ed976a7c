"""Behaviour shared by the pages officers see."""


class LoginRequiredPageMixin:
    """Training content is for signed-in people only; anyone else is sent to sign in."""

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login  # needs the user model loaded

            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)

from django.conf import settings


def site(request):
    return {"FORCE_NAME": settings.FORCE_NAME}

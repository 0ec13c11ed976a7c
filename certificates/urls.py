from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("certificates/", views.mine, name="mine"),
    path("certificates/<str:serial>/", views.detail, name="detail"),
    path("certificates/<str:serial>/pdf/", views.pdf, name="pdf"),
    path("policies/<path:reference>/", views.policy, name="policy"),  # references may contain "/"
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:serial>/", views.verify, name="verify"),
]

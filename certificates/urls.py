from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("certificates/", views.mine, name="mine"),
    path("certificates/<str:serial>/", views.detail, name="detail"),
    path("certificates/<str:serial>/pdf/", views.pdf, name="pdf"),
    path("policies/<path:reference>/", views.policy, name="policy"),  # references may contain "/"
    path("verify/", views.verify_form, name="verify_form"),
    # The certificate the PDFs are signed with (certificates/signing.py), for PDF readers to trust.
    path("verify/signing-certificate.pem", views.signing_certificate, {"encoding": "pem"}, name="signing_cert_pem"),
    path("verify/signing-certificate.cer", views.signing_certificate, {"encoding": "cer"}, name="signing_cert_cer"),
    path("verify/<str:serial>/", views.verify, name="verify"),
]

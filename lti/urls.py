from django.urls import path

from . import views

app_name = "lti"
urlpatterns = [
    path("jwks/", views.jwks, name="jwks"),
    path("login/", views.login_initiation, name="login"),
    path("launch/", views.launch, name="launch"),
    path("continue/<str:key>/", views.continue_to_module, name="continue"),
]

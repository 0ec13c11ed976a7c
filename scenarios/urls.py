from django.urls import path

from . import views

app_name = "scenarios"

urlpatterns = [
    path("attempts/<uuid:public_id>/", views.attempt, name="attempt"),
    path("attempts/<uuid:public_id>/steps/<int:position>/", views.step, name="step"),
    path("attempts/<uuid:public_id>/result/", views.result, name="result"),
]

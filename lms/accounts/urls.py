from django.urls import path

from lms.accounts import views

app_name = "accounts"
urlpatterns = [
    path("consent/", views.consent, name="consent"),
    path("profile/", views.profile, name="profile"),
]

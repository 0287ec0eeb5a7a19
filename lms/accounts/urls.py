from django.urls import path

from lms.accounts import views

app_name = "accounts"
urlpatterns = [
    path("consent/", views.consent, name="consent"),
    path("profile/", views.profile, name="profile"),
    path("cho-phe-duyet/", views.signup_pending, name="signup_pending"),
    path("du-lieu-cua-toi/", views.my_data, name="my_data"),
    path("du-lieu-cua-toi/tai-ve/", views.my_data_download, name="my_data_download"),
    path(
        "du-lieu-cua-toi/de-nghi-dinh-chinh/",
        views.correction_request,
        name="correction_request",
    ),
]

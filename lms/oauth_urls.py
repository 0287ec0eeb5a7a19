from django.urls import path

from lms import oauth

app_name = "oauth"
urlpatterns = [path("api/me/", oauth.userinfo, name="userinfo")]

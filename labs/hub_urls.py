"""JupyterHub routes of the labs app; included from labs/urls.py (namespace "labs")."""

from django.urls import path

from labs import hub_views

urlpatterns = [
    path("bai-thuc-hanh/<slug:slug>/mo/", hub_views.lab_open, name="hub_open"),
    path(
        "bai-thuc-hanh/<slug:slug>/khoi-dong/", hub_views.lab_warmup, name="hub_warmup"
    ),
    path("bai-thuc-hanh/<slug:slug>/dat-lai/", hub_views.lab_reset, name="hub_reset"),
    path(
        "bai-thuc-hanh/<slug:slug>/nop-tu-lab/", hub_views.lab_submit, name="hub_submit"
    ),
]

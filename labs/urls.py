from django.urls import path

from labs import hub_urls, views

app_name = "labs"
urlpatterns = [
    path("bai-thuc-hanh/<slug:slug>/", views.lab_detail, name="lab_detail"),
    path("bai-thuc-hanh/<slug:slug>/tai-ve/", views.lab_download, name="lab_download"),
    path(
        "bai-thuc-hanh/<slug:slug>/bai-nop/",
        views.lab_submissions,
        name="lab_submissions",
    ),
    path("bai-thuc-hanh/<slug:slug>/cham-lai/", views.lab_regrade, name="lab_regrade"),
    path(
        "bai-thuc-hanh/<slug:slug>/cham-lai/tien-do/",
        views.lab_regrade_progress,
        name="lab_regrade_progress",
    ),
    path("bai-nop/<int:pk>/", views.submission_detail, name="submission_detail"),
    path(
        "bai-nop/<int:pk>/trang-thai/",
        views.submission_status,
        name="submission_status",
    ),
    path(
        "bai-nop/<int:pk>/notebook/",
        views.submission_notebook,
        name="submission_notebook",
    ),
    path(
        "bai-nop/<int:pk>/tai-ve/",
        views.submission_download,
        name="submission_download",
    ),
    path(
        "bai-nop/<int:pk>/cham-lai/",
        views.submission_regrade,
        name="submission_regrade",
    ),
]

# "Mở bài thực hành" and "Nộp bài từ JupyterLab" (labs/hub_views.py).
urlpatterns += hub_urls.urlpatterns

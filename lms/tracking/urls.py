from django.urls import path, re_path

from lms.tracking import views
from lms.tracking.api import api

app_name = "tracking"
urlpatterns = [
    path("tong-quan/", views.province_dashboard, name="province_dashboard"),
    path(
        "tong-quan/don-vi/<int:agency_id>/",
        views.agency_dashboard,
        name="agency_dashboard",
    ),
    path(
        "tong-quan/don-vi/<int:agency_id>/can-bo/<int:user_id>/",
        views.officer_detail,
        name="officer_detail",
    ),
    path(
        "tong-quan/don-vi/<int:agency_id>/nhac-nho/",
        views.reminders_send,
        name="reminders_send",
    ),
    path(
        "tong-quan/don-vi/<int:agency_id>/giao-khoa-hoc/",
        views.assign,
        name="assign",
    ),
    path(
        "tong-quan/don-vi/<int:agency_id>/dang-ky/",
        views.signup_requests,
        name="signup_requests",
    ),
    path(
        "tong-quan/don-vi/<int:agency_id>/dang-ky/<int:request_id>/phe-duyet/",
        views.signup_request_approve,
        name="signup_request_approve",
    ),
    path(
        "tong-quan/don-vi/<int:agency_id>/dang-ky/<int:request_id>/tu-choi/",
        views.signup_request_reject,
        name="signup_request_reject",
    ),
    re_path(
        r"^tong-quan/xuat/(?P<table>don-vi|can-bo|qua-han)\.(?P<fmt>csv|xlsx)$",
        views.export,
        name="export",
    ),
    path("danh-sach-can-bo/nhap/", views.roster_upload, name="roster_upload"),
    path("danh-sach-can-bo/mau.xlsx", views.roster_template, name="roster_template"),
    path(
        "danh-sach-can-bo/nhap/<int:import_id>/",
        views.roster_status,
        name="roster_status",
    ),
    path(
        "danh-sach-can-bo/nhap/<int:import_id>/trang-thai.json",
        views.roster_status_json,
        name="roster_status_json",
    ),
    path(
        "danh-sach-can-bo/nhap/<int:import_id>/xac-nhan/",
        views.roster_confirm,
        name="roster_confirm",
    ),
    path("chi-tieu/", views.targets, name="targets"),
    path(
        "chi-tieu/<int:target_id>/ngung/",
        views.target_deactivate,
        name="target_deactivate",
    ),
    path("bao-cao-thang/", views.report_list, name="reports"),
    path("bao-cao-thang/<int:report_id>/gui/", views.report_send, name="report_send"),
    re_path(
        r"^bao-cao-thang/(?P<report_id>\d+)/tai\.(?P<fmt>xlsx|pdf)$",
        views.report_download,
        name="report_download",
    ),
    path("tong-quan/khoa-api/", views.api_tokens, name="api_tokens"),
    path(
        "tong-quan/khoa-api/<int:token_id>/thu-hoi/",
        views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("api/v1/", api.urls),
]

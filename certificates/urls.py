from django.urls import path

from certificates import views

app_name = "certificates"
urlpatterns = [
    # Public (no login, exempt from the consent notice, rate-limited).
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/issuer.json", views.issuer, name="issuer"),
    path("verify/issuer-key.json", views.issuer_key, name="issuer_key"),
    path("verify/revocations.json", views.revocations, name="revocations"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("verify/<str:code>/pdf", views.verify_pdf, name="verify_pdf"),
    path(
        "verify/<str:code>/openbadge.jwt",
        views.verify_openbadge,
        name="verify_openbadge",
    ),
    # Signed-in users.
    path("giay-chung-nhan/", views.mine, name="mine"),
    path("giay-chung-nhan/don-vi/", views.agency_register_home, name="agency_home"),
    path(
        "giay-chung-nhan/don-vi/<str:agency_code>/",
        views.agency_register,
        name="agency_register",
    ),
    path("giay-chung-nhan/toan-tinh/", views.province_register, name="province"),
    path("giay-chung-nhan/cap/", views.issue, name="issue"),
    path(
        "giay-chung-nhan/cap-theo-danh-sach/", views.batch_upload, name="batch_upload"
    ),
    path(
        "giay-chung-nhan/cap-theo-danh-sach/<int:batch_id>/",
        views.batch,
        name="batch",
    ),
    path(
        "giay-chung-nhan/cap-theo-danh-sach/<int:batch_id>/trang-thai.json",
        views.batch_status,
        name="batch_status",
    ),
    path("giay-chung-nhan/quan-ly/<str:code>/", views.manage, name="manage"),
]

"""Access control proven for every URL: one row per URL pattern, one test per role.

`MATRIX` says, for each URL the project routes, what each role gets. Every
project-owned pattern (lms, lms.accounts, lms.oauth_urls, lms.tracking with its API,
courses, labs with its hub routes, certificates, and the project's own views mounted
inside the Wagtail admin) has its own row; each third-party include (the Wagtail and
Django admins, allauth, django-oauth-toolkit, Wagtail's documents and page serving,
Django's language switch) is a group with representative rows.
`test_every_url_pattern_is_in_the_matrix` walks the resolver and fails when a
pattern has no row, or a row names a pattern that no longer exists.

The rules (PRODUCT.md §2, security test plan §2d):
- anonymous on a protected page: 302 to the login page with ?next=;
- a function the role may not use: 403;
- another agency's / another learner's object: 404, so its existence is not
  revealed (agency-scoped pages are "not found" for anyone outside that agency);
- every refusal (login redirect, 401, 403, hidden 404) logs exactly one
  `access_refused` event (lms/security.py); an allowed request logs none.

The people and objects are built once per module (tests/security/conftest.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security.conftest import ROLES


@dataclass(frozen=True)
class Outcome:
    status: int
    login: str | None = None  # a redirect to this login page, with ?next=<the URL>
    location: str | None = None  # a redirect elsewhere: Location starts with this
    refused: bool = False  # must log one access_refused event

    def __repr__(self) -> str:
        target = self.login or self.location
        return f"{self.status}{' → ' + target if target else ''}"


OK = Outcome(200)
LOGIN = Outcome(302, login="/accounts/login/", refused=True)
DENY = Outcome(403, refused=True)
HIDE = Outcome(404, refused=True)  # someone else's object: "not found", logged
NONE = Outcome(404)  # nothing there for this user (an unknown code, no completion)
UNAUTH = Outcome(401, refused=True)  # the LGSP API without its bearer token
# The Wagtail admin sends people without admin access to its login page (which hands
# over to the academy's), and staff lacking a permission back to its dashboard.
ADMIN_LOGIN = Outcome(302, login="/admin/login/", refused=True)
ADMIN_DENY = Outcome(302, location="/admin/", refused=True)
DJANGO_LOGIN = Outcome(302, login="/django-admin/login/", refused=True)


def Go(location: str) -> Outcome:  # noqa: N802 - reads as a cell of the table
    """Allowed, answered with a redirect (after a POST, or to the user's own page)."""
    return Outcome(302, location=location)


def Status(code: int) -> Outcome:  # noqa: N802
    return Outcome(code)


@dataclass(frozen=True)
class Row:
    route: str | None  # the resolver's route string; None for a third-party example
    url: str  # formatted with world.ids
    outcomes: tuple[Outcome, ...]  # one per role in ROLES
    method: str = "get"
    data: dict = field(default_factory=dict)
    group: str | None = None  # the third-party include this row samples
    also: dict[str, Outcome] = field(default_factory=dict)  # other clients
    debug_only: bool = False


def row(route, url, *outcomes, **kw) -> Row:
    assert len(outcomes) == len(ROLES), f"{url}: {len(outcomes)} outcomes"
    return Row(route, url, outcomes, **kw)


def post(route, url, *outcomes, **kw) -> Row:
    return row(route, url, *outcomes, method="post", **kw)


def sample(group, url, *outcomes, **kw) -> Row:
    return row(None, url, *outcomes, group=group, **kw)


A_DASH = "/tong-quan/don-vi/{A}/"
B_DASH = "/tong-quan/don-vi/{B}/"
LAB = "/bai-thuc-hanh/{lab}/"
SUB = "/bai-nop/{sub}/"
COURSE = "{course_url}"
ROSTER_A = "/danh-sach-can-bo/nhap/{roster_a}/"
SIGNUPS_A = A_DASH + "dang-ky/"
REASON = {"reason": "Không phải cán bộ của đơn vị"}
API = {"api_token": OK}
SUPER = {"superuser": OK}

# fmt: off
MATRIX: list[Row] = [
    # route · URL                                                            anon         learner      learner_b    instructor   instructor_b manager      manager_b    dost
    # --- lms ------------------------------------------------------------------------------------------------------------------------------------------------------------------------
    row("healthz", "/healthz",                                               OK,          OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("readyz", "/readyz",                                                 OK,          OK,          OK,          OK,          OK,          OK,          OK,          OK),
    post("i18n/setlang/", "/i18n/setlang/",                                  Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/"), data={"language": "vi", "next": "/"}),
    # DEBUG only: Wagtail images, never the private uploads (rosters, submissions, bundles).
    row(r"^media/(?P<path>(?:images|original_images)/.*)$", "/media/images/khong-co.png",
                                                                             NONE,        NONE,        NONE,        NONE,        NONE,        NONE,        NONE,        NONE, debug_only=True),
    sample("wagtail.urls", "/media/{roster_a_file}",                         NONE,        NONE,        NONE,        NONE,        NONE,        NONE,        NONE,        NONE),
    # --- lms.accounts ---------------------------------------------------------------------------------------------------------------------------------------------------------------
    row("accounts/consent/", "/accounts/consent/",                           LOGIN,       OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("accounts/profile/", "/accounts/profile/",                           LOGIN,       OK,          OK,          OK,          OK,          OK,          OK,          OK),
    # Where a pending self sign-up lands (signed-in people have nothing pending).
    row("accounts/cho-phe-duyet/", "/accounts/cho-phe-duyet/",               OK,          Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/")),
    row("accounts/du-lieu-cua-toi/", "/accounts/du-lieu-cua-toi/",           LOGIN,       OK,          OK,          OK,          OK,          OK,          OK,          OK),
    post("accounts/du-lieu-cua-toi/tai-ve/", "/accounts/du-lieu-cua-toi/tai-ve/",
                                                                             LOGIN,       OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("accounts/du-lieu-cua-toi/de-nghi-dinh-chinh/", "/accounts/du-lieu-cua-toi/de-nghi-dinh-chinh/",
                                                                             LOGIN,       OK,          OK,          OK,          OK,          OK,          OK,          OK),
    # --- lms.oauth_urls: JupyterHub's userinfo, by OAuth token only -----------------------------------------------------------------------------------------------------------------
    row("api/me/", "/api/me/",                                               DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        DENY, also={"oauth_token": OK}),
    # --- lms.tracking: dashboards ---------------------------------------------------------------------------------------------------------------------------------------------------
    row("tong-quan/", "/tong-quan/",                                         LOGIN,       DENY,        DENY,        DENY,        DENY,        Go(A_DASH),  Go(B_DASH),  OK),
    row("tong-quan/don-vi/<int:agency_id>/", A_DASH,                         LOGIN,       HIDE,        HIDE,        HIDE,        HIDE,        OK,          HIDE,        OK),
    row("tong-quan/don-vi/<int:agency_id>/can-bo/<int:user_id>/", A_DASH + "can-bo/{learner_id}/",
                                                                             LOGIN,       HIDE,        HIDE,        HIDE,        HIDE,        OK,          HIDE,        OK),
    row("tong-quan/don-vi/<int:agency_id>/can-bo/<int:user_id>/", A_DASH + "can-bo/{learner_b_id}/",
                                                                             LOGIN,       HIDE,        HIDE,        HIDE,        HIDE,        HIDE,        HIDE,        HIDE),
    post("tong-quan/don-vi/<int:agency_id>/nhac-nho/", A_DASH + "nhac-nho/",
                                                                             LOGIN,       HIDE,        HIDE,        HIDE,        HIDE,        Go(A_DASH),  HIDE,        Go(A_DASH)),
    row("tong-quan/don-vi/<int:agency_id>/giao-khoa-hoc/", A_DASH + "giao-khoa-hoc/",
                                                                             LOGIN,       HIDE,        HIDE,        HIDE,        HIDE,        OK,          HIDE,        OK),
    # Self sign-ups waiting for the agency's manager; B's request through A's URL is not found.
    row("tong-quan/don-vi/<int:agency_id>/dang-ky/", SIGNUPS_A,             LOGIN,       HIDE,        HIDE,        HIDE,        HIDE,        OK,          HIDE,        OK),
    post("tong-quan/don-vi/<int:agency_id>/dang-ky/<int:request_id>/phe-duyet/", SIGNUPS_A + "{signup_a}/phe-duyet/",
                                                                             LOGIN,       HIDE,        HIDE,        HIDE,        HIDE,        Go(SIGNUPS_A), HIDE,      Go(SIGNUPS_A)),
    post("tong-quan/don-vi/<int:agency_id>/dang-ky/<int:request_id>/phe-duyet/", SIGNUPS_A + "{signup_b}/phe-duyet/",
                                                                             LOGIN,       HIDE,        HIDE,        HIDE,        HIDE,        HIDE,        HIDE,        HIDE),
    post("tong-quan/don-vi/<int:agency_id>/dang-ky/<int:request_id>/tu-choi/", SIGNUPS_A + "{signup_a}/tu-choi/",
                                                                             LOGIN,       HIDE,        HIDE,        HIDE,        HIDE,        Go(SIGNUPS_A), HIDE,      Go(SIGNUPS_A), data=REASON),
    post("tong-quan/don-vi/<int:agency_id>/dang-ky/<int:request_id>/tu-choi/", SIGNUPS_A + "{signup_b}/tu-choi/",
                                                                             LOGIN,       HIDE,        HIDE,        HIDE,        HIDE,        HIDE,        HIDE,        HIDE, data=REASON),
    row(r"^tong-quan/xuat/(?P<table>don-vi|can-bo|qua-han)\.(?P<fmt>csv|xlsx)$", "/tong-quan/xuat/don-vi.csv",
                                                                             LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        OK),
    row(r"^tong-quan/xuat/(?P<table>don-vi|can-bo|qua-han)\.(?P<fmt>csv|xlsx)$", "/tong-quan/xuat/can-bo.csv?agency={A}",
                                                                             LOGIN,       HIDE,        HIDE,        HIDE,        HIDE,        OK,          HIDE,        OK),
    row(r"^tong-quan/xuat/(?P<table>don-vi|can-bo|qua-han)\.(?P<fmt>csv|xlsx)$", "/tong-quan/xuat/qua-han.xlsx",
                                                                             LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        OK),
    # --- lms.tracking: rosters ------------------------------------------------------------------------------------------------------------------------------------------------------
    row("danh-sach-can-bo/nhap/", "/danh-sach-can-bo/nhap/",                 LOGIN,       DENY,        DENY,        DENY,        DENY,        OK,          OK,          OK),
    row("danh-sach-can-bo/mau.xlsx", "/danh-sach-can-bo/mau.xlsx",           LOGIN,       DENY,        DENY,        DENY,        DENY,        OK,          OK,          OK),
    row("danh-sach-can-bo/nhap/<int:import_id>/", ROSTER_A,                  LOGIN,       DENY,        DENY,        DENY,        DENY,        OK,          HIDE,        OK),
    row("danh-sach-can-bo/nhap/<int:import_id>/trang-thai.json", ROSTER_A + "trang-thai.json",
                                                                             LOGIN,       DENY,        DENY,        DENY,        DENY,        OK,          HIDE,        OK),
    post("danh-sach-can-bo/nhap/<int:import_id>/xac-nhan/", ROSTER_A + "xac-nhan/",
                                                                             LOGIN,       DENY,        DENY,        DENY,        DENY,        Go(ROSTER_A), HIDE,       Go(ROSTER_A)),
    # --- lms.tracking: targets and monthly reports (DOST) ---------------------------------------------------------------------------------------------------------------------------
    row("chi-tieu/", "/chi-tieu/",                                           LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        OK),
    post("chi-tieu/<int:target_id>/ngung/", "/chi-tieu/{target}/ngung/",     LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        Go("/chi-tieu/")),
    row("bao-cao-thang/", "/bao-cao-thang/",                                 LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        OK),
    post("bao-cao-thang/<int:report_id>/gui/", "/bao-cao-thang/{report}/gui/",
                                                                             LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        Go("/bao-cao-thang/")),
    row(r"^bao-cao-thang/(?P<report_id>\d+)/tai\.(?P<fmt>xlsx|pdf)$", "/bao-cao-thang/{report}/tai.xlsx",
                                                                             LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        OK),
    row("tong-quan/khoa-api/", "/tong-quan/khoa-api/",                       LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        OK),
    post("tong-quan/khoa-api/<int:token_id>/thu-hoi/", "/tong-quan/khoa-api/{api_token}/thu-hoi/",
                                                                             LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        Go("/tong-quan/khoa-api/")),
    # --- lms.tracking: the LGSP API, by bearer token only (sessions count for nothing) ----------------------------------------------------------------------------------------------
    row("api/v1/", "/api/v1/",                                               NONE,        NONE,        NONE,        NONE,        NONE,        NONE,        NONE,        NONE, also={"api_token": NONE}),
    row("api/v1/openapi.json", "/api/v1/openapi.json",                       OK,          OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("api/v1/agencies", "/api/v1/agencies",                               UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH, also=API),
    row("api/v1/programs", "/api/v1/programs",                               UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH, also=API),
    row("api/v1/figures/agencies", "/api/v1/figures/agencies",               UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH, also=API),
    row("api/v1/figures/province", "/api/v1/figures/province",               UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH, also=API),
    row("api/v1/certificates/<serial>", "/api/v1/certificates/{serial}",     UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH,      UNAUTH, also=API),
    # --- courses --------------------------------------------------------------------------------------------------------------------------------------------------------------------
    row("khoa-hoc/", "/khoa-hoc/",                                           OK,          OK,          OK,          OK,          OK,          OK,          OK,          OK),
    post("khoa-hoc/<int:course_id>/ghi-danh/", "/khoa-hoc/{course}/ghi-danh/",
                                                                             LOGIN,       Go(COURSE),  Go(COURSE),  Go(COURSE),  Go(COURSE),  Go(COURSE),  Go(COURSE),  Go(COURSE)),
    row("khoa-hoc/<int:course_id>/hoan-thanh/", "/khoa-hoc/{course}/hoan-thanh/",
                                                                             LOGIN,       OK,          NONE,        NONE,        NONE,        NONE,        NONE,        NONE),
    row("khoa-hoc/<int:course_id>/kiem-tra/", "/khoa-hoc/{course}/kiem-tra/",
                                                                             LOGIN,       OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("kiem-tra/<int:attempt_id>/", "/kiem-tra/{attempt_open}/",           LOGIN,       OK,          HIDE,        HIDE,        HIDE,        HIDE,        HIDE,        HIDE),
    row("kiem-tra/<int:attempt_id>/ket-qua/", "/kiem-tra/{attempt_done}/ket-qua/",
                                                                             LOGIN,       OK,          HIDE,        HIDE,        HIDE,        HIDE,        HIDE,        HIDE),
    row("bai-hoc/<int:lesson_id>-<str:slug>/", "/bai-hoc/{lesson}-{lesson_slug}/",
                                                                             LOGIN,       OK,          Go(COURSE),  OK,          Go(COURSE),  Go(COURSE),  Go(COURSE),  OK),
    post("bai-hoc/<int:lesson_id>/hoan-thanh/", "/bai-hoc/{lesson}/hoan-thanh/",
                                                                             LOGIN,       Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/")),
    row("hoc-tap-cua-toi/", "/hoc-tap-cua-toi/",                             LOGIN,       OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("giang-vien/", "/giang-vien/",                                       LOGIN,       DENY,        DENY,        OK,          OK,          DENY,        DENY,        OK),
    row("giang-vien/khoa-hoc/<int:course_id>/", "/giang-vien/khoa-hoc/{course}/",
                                                                             LOGIN,       DENY,        DENY,        OK,          HIDE,        DENY,        DENY,        OK),
    row("giang-vien/khoa-hoc/<int:course_id>/xuat.<str:fmt>", "/giang-vien/khoa-hoc/{course}/xuat.csv",
                                                                             LOGIN,       DENY,        DENY,        OK,          HIDE,        DENY,        DENY,        OK),
    # --- labs -----------------------------------------------------------------------------------------------------------------------------------------------------------------------
    row("bai-thuc-hanh/<slug:slug>/", LAB,                                   LOGIN,       OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("bai-thuc-hanh/<slug:slug>/tai-ve/", LAB + "tai-ve/",                LOGIN,       OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("bai-thuc-hanh/<slug:slug>/bai-nop/", LAB + "bai-nop/",              LOGIN,       DENY,        DENY,        OK,          DENY,        DENY,        DENY,        OK),
    post("bai-thuc-hanh/<slug:slug>/cham-lai/", LAB + "cham-lai/",           LOGIN,       DENY,        DENY,        Go(LAB),     DENY,        DENY,        DENY,        Go(LAB)),
    row("bai-thuc-hanh/<slug:slug>/cham-lai/tien-do/", LAB + "cham-lai/tien-do/",
                                                                             LOGIN,       DENY,        DENY,        OK,          DENY,        DENY,        DENY,        OK),
    row("bai-nop/<int:pk>/", SUB,                                            LOGIN,       OK,          HIDE,        OK,          HIDE,        HIDE,        HIDE,        OK),
    row("bai-nop/<int:pk>/trang-thai/", SUB + "trang-thai/",                 LOGIN,       OK,          HIDE,        OK,          HIDE,        HIDE,        HIDE,        OK),
    row("bai-nop/<int:pk>/notebook/", SUB + "notebook/",                     LOGIN,       OK,          HIDE,        OK,          HIDE,        HIDE,        HIDE,        OK),
    row("bai-nop/<int:pk>/tai-ve/", SUB + "tai-ve/",                         LOGIN,       OK,          HIDE,        OK,          HIDE,        HIDE,        HIDE,        OK),
    post("bai-nop/<int:pk>/cham-lai/", SUB + "cham-lai/",                    LOGIN,       DENY,        HIDE,        Go(SUB),     HIDE,        HIDE,        HIDE,        Go(SUB)),
    # --- labs.hub_urls (the hub is down here: everyone allowed is sent back with a message) -----------------------------------------------------------------------------------------
    post("bai-thuc-hanh/<slug:slug>/mo/", LAB + "mo/",                       LOGIN,       Go(LAB),     Go(LAB),     Go(LAB),     Go(LAB),     Go(LAB),     Go(LAB),     Go(LAB)),
    post("bai-thuc-hanh/<slug:slug>/khoi-dong/", LAB + "khoi-dong/",         LOGIN,       Status(503), Status(503), Status(503), Status(503), Status(503), Status(503), Status(503)),
    post("bai-thuc-hanh/<slug:slug>/dat-lai/", LAB + "dat-lai/",             LOGIN,       Go(LAB),     Go(LAB),     Go(LAB),     Go(LAB),     Go(LAB),     Go(LAB),     Go(LAB)),
    post("bai-thuc-hanh/<slug:slug>/nop-tu-lab/", LAB + "nop-tu-lab/",       LOGIN,       Go(LAB),     Go(LAB),     Go(LAB),     Go(LAB),     Go(LAB),     Go(LAB),     Go(LAB)),
    # --- certificates: public verification ------------------------------------------------------------------------------------------------------------------------------------------
    row("verify/", "/verify/",                                               OK,          OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("verify/issuer.json", "/verify/issuer.json",                         OK,          OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("verify/issuer-key.json", "/verify/issuer-key.json",                 OK,          OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("verify/revocations.json", "/verify/revocations.json",               OK,          OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("verify/<str:code>/", "/verify/{code}/",                             OK,          OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("verify/<str:code>/", "/verify/{code}x/",                            NONE,        NONE,        NONE,        NONE,        NONE,        NONE,        NONE,        NONE),
    row("verify/<str:code>/pdf", "/verify/{code}/pdf",                       OK,          OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("verify/<str:code>/openbadge.jwt", "/verify/{code}/openbadge.jwt",   OK,          OK,          OK,          OK,          OK,          OK,          OK,          OK),
    # --- certificates: holders, registers, DOST -------------------------------------------------------------------------------------------------------------------------------------
    row("giay-chung-nhan/", "/giay-chung-nhan/",                             LOGIN,       OK,          OK,          OK,          OK,          OK,          OK,          OK),
    row("giay-chung-nhan/don-vi/", "/giay-chung-nhan/don-vi/",               LOGIN,       DENY,        DENY,        DENY,        DENY,        Go("/giay-chung-nhan/don-vi/{A_code}/"), Go("/giay-chung-nhan/don-vi/{B_code}/"), Go("/giay-chung-nhan/don-vi/")),
    row("giay-chung-nhan/don-vi/<str:agency_code>/", "/giay-chung-nhan/don-vi/{A_code}/",
                                                                             LOGIN,       HIDE,        HIDE,        HIDE,        HIDE,        OK,          HIDE,        OK),
    row("giay-chung-nhan/toan-tinh/", "/giay-chung-nhan/toan-tinh/",         LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        OK),
    row("giay-chung-nhan/cap/", "/giay-chung-nhan/cap/",                     LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        OK),
    row("giay-chung-nhan/cap-theo-danh-sach/", "/giay-chung-nhan/cap-theo-danh-sach/",
                                                                             LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        OK),
    row("giay-chung-nhan/cap-theo-danh-sach/<int:batch_id>/", "/giay-chung-nhan/cap-theo-danh-sach/{batch}/",
                                                                             LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        OK),
    row("giay-chung-nhan/cap-theo-danh-sach/<int:batch_id>/trang-thai.json", "/giay-chung-nhan/cap-theo-danh-sach/{batch}/trang-thai.json",
                                                                             LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        OK),
    row("giay-chung-nhan/quan-ly/<str:code>/", "/giay-chung-nhan/quan-ly/{code}/",
                                                                             LOGIN,       DENY,        DENY,        DENY,        DENY,        DENY,        DENY,        OK),
    # --- Wagtail admin (admin/): the project's own views first, then examples ------------------------------------------------------------------------------------------------------
    row("admin/labs/tai-len-goi/", "/admin/labs/tai-len-goi/",               ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK,          OK,          ADMIN_LOGIN, ADMIN_LOGIN, OK),
    row("admin/snippets/labs/lab/", "/admin/snippets/labs/lab/",             ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK,          OK,          ADMIN_LOGIN, ADMIN_LOGIN, OK),
    row("admin/snippets/labs/lab/results/", "/admin/snippets/labs/lab/results/",
                                                                             ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK,          OK,          ADMIN_LOGIN, ADMIN_LOGIN, OK),
    row("admin/login/", "/admin/login/",                                     Go("/accounts/login/?next=%2Fadmin%2F"), Go("/"), Go("/"), Go("/admin/"), Go("/admin/"), Go("/"), Go("/"), Go("/admin/")),
    sample("wagtail.admin.urls", "/admin/",                                  ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK,          OK,          ADMIN_LOGIN, ADMIN_LOGIN, OK),
    sample("wagtail.admin.urls", "/admin/pages/{course}/edit/",              ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK,          ADMIN_DENY,  ADMIN_LOGIN, ADMIN_LOGIN, OK),
    # Instructors and DOST admins hold the authoring permissions on the root collection.
    sample("wagtail.admin.urls", "/admin/documents/",                        ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK,          OK,          ADMIN_LOGIN, ADMIN_LOGIN, OK),
    sample("wagtail.admin.urls", "/admin/images/",                           ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK,          OK,          ADMIN_LOGIN, ADMIN_LOGIN, OK),
    sample("wagtail.admin.urls", "/admin/snippets/certificates/certificatesigner/",
                                                                             ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_DENY,  ADMIN_DENY,  ADMIN_LOGIN, ADMIN_LOGIN, OK),
    sample("wagtail.admin.urls", "/admin/users/",                            ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_DENY,  ADMIN_DENY,  ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_DENY),
    # --- Django admin (django-admin/): superusers; DOST admins edit agencies there --------------------------------------------------------------------------------------------------
    sample("admin", "/django-admin/",                                        DJANGO_LOGIN, DJANGO_LOGIN, DJANGO_LOGIN, OK,        OK,          DJANGO_LOGIN, DJANGO_LOGIN, OK, also=SUPER),
    row("django-admin/login/", "/django-admin/login/",                       Go("/accounts/login/?next=%2Fdjango-admin%2F"), Go("/"), Go("/"), Go("/django-admin/"), Go("/django-admin/"), Go("/"), Go("/"), Go("/django-admin/")),
    # The project's own change lists (they log reads of personal data).
    row("django-admin/accounts/user/", "/django-admin/accounts/user/",       DJANGO_LOGIN, DJANGO_LOGIN, DJANGO_LOGIN, DENY,      DENY,        DJANGO_LOGIN, DJANGO_LOGIN, DENY, also=SUPER),
    row("django-admin/accounts/officerprofile/", "/django-admin/accounts/officerprofile/",
                                                                             DJANGO_LOGIN, DJANGO_LOGIN, DJANGO_LOGIN, DENY,      DENY,        DJANGO_LOGIN, DJANGO_LOGIN, DENY, also=SUPER),
    row("django-admin/accounts/correctionrequest/", "/django-admin/accounts/correctionrequest/",
                                                                             DJANGO_LOGIN, DJANGO_LOGIN, DJANGO_LOGIN, DENY,      DENY,        DJANGO_LOGIN, DJANGO_LOGIN, OK, also=SUPER),
    sample("admin", "/django-admin/agencies/agency/",                        DJANGO_LOGIN, DJANGO_LOGIN, DJANGO_LOGIN, DENY,      DENY,        DJANGO_LOGIN, DJANGO_LOGIN, OK, also=SUPER),
    # --- allauth (accounts/) --------------------------------------------------------------------------------------------------------------------------------------------------------
    sample("allauth.urls", "/accounts/login/",                               OK,          Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/")),
    sample("allauth.urls", "/accounts/signup/",                              OK,          Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/"),     Go("/")),
    sample("allauth.urls", "/accounts/email/",                               LOGIN,       OK,          OK,          OK,          OK,          OK,          OK,          OK),
    sample("allauth.urls", "/accounts/password/change/",                     LOGIN,       OK,          OK,          OK,          OK,          OK,          OK,          OK),
    sample("allauth.urls", "/accounts/2fa/",                                 LOGIN,       OK,          OK,          OK,          OK,          OK,          OK,          OK),
    # --- django-oauth-toolkit (o/): the protocol endpoints only -------------------------------------------------------------------------------------------------------------------
    sample("oauth2_provider", "/o/authorize/",                               LOGIN,       Status(400), Status(400), Status(400), Status(400), Status(400), Status(400), Status(400)),
    sample("oauth2_provider", "/o/applications/",                            NONE,        NONE,        NONE,        NONE,        NONE,        NONE,        NONE,        NONE),
    sample("oauth2_provider", "/o/applications/register/",                   NONE,        NONE,        NONE,        NONE,        NONE,        NONE,        NONE,        NONE),
    # --- Django's language switch, Wagtail documents and pages ----------------------------------------------------------------------------------------------------------------------
    sample("wagtail.documents.urls", "/documents/{doc}/{doc_name}",          OK,          OK,          OK,          OK,          OK,          OK,          OK,          OK),
    sample("wagtail.urls", "/",                                              OK,          OK,          OK,          OK,          OK,          OK,          OK,          OK),
    sample("wagtail.urls", COURSE,                                           OK,          OK,          OK,          OK,          OK,          OK,          OK,          OK),
    sample("wagtail.urls", "/{lesson_page_url}",                             LOGIN,       OK,          Go(COURSE),  OK,          Go(COURSE),  Go(COURSE),  Go(COURSE),  OK),
    sample("wagtail.urls", "/khong-co-trang-nay/",                           NONE,        NONE,        NONE,        NONE,        NONE,        NONE,        NONE,        NONE),
]
# fmt: on

# Includes whose patterns belong to the project (each needs its own row).
PROJECT_URLCONFS = {
    "lms.urls",
    "lms.accounts.urls",
    "lms.oauth_urls",
    "lms.tracking.urls",
    "courses.urls",
    "labs.urls",
    "labs.hub_urls",
    "certificates.urls",
}
PROJECT_PACKAGES = {"lms", "courses", "labs", "certificates"}


def _urlconf(resolver: URLResolver) -> str:
    name = resolver.urlconf_name
    if isinstance(name, str):
        return name
    if isinstance(name, list | tuple):
        return resolver.app_name or "?"
    return name.__name__


def _walk(patterns, prefix: str = "", group: str | None = None, top: bool = True):
    """(route, group) for every pattern: group is None for project-owned ones.

    A third-party include mounted by lms/urls.py is a group; one mounted inside a
    project urlconf (the django-ninja API in lms.tracking.urls) is project-owned.
    """
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = group
            if top and _urlconf(pattern) not in PROJECT_URLCONFS:
                inner = _urlconf(pattern)
            yield from _walk(pattern.url_patterns, route, inner, top=False)
        elif isinstance(pattern, URLPattern):
            module = getattr(pattern.callback, "__module__", "") or ""
            owned = group is None or module.split(".")[0] in PROJECT_PACKAGES
            yield route, None if owned else group


def _resolver_routes() -> tuple[set[str], set[str]]:
    project, groups = set(), set()
    for route, group in _walk(get_resolver().url_patterns):
        if group is None:
            project.add(route)
        else:
            groups.add(group)
    return project, groups


def test_every_url_pattern_is_in_the_matrix():
    project, groups = _resolver_routes()
    # A DEBUG-only pattern exists if DEBUG was on when lms.urls was imported (which
    # depends on what imported it first, not on the settings during this test).
    rows = {r.route for r in MATRIX if r.route}
    missing = sorted(project - rows)
    assert not missing, f"URL patterns with no row in MATRIX: {missing}"
    stale = sorted({r.route for r in MATRIX if r.route and not r.debug_only} - project)
    assert not stale, f"MATRIX rows for patterns that no longer exist: {stale}"
    sampled = {r.group for r in MATRIX if r.group}
    assert groups - sampled == set(), (
        f"includes with no example rows: {groups - sampled}"
    )
    assert sampled - groups == set(), (
        f"example rows of vanished includes: {sampled - groups}"
    )


def _cases() -> list:
    return [
        pytest.param(r, role, outcome, id=f"{r.method.upper()} {r.url} [{role}]")
        for r in MATRIX
        for role, outcome in (*zip(ROLES, r.outcomes, strict=True), *r.also.items())
    ]


def _request(client, world, r: Row, role: str, url: str):
    headers = {}
    if role == "api_token":
        headers["Authorization"] = f"Bearer {world.api_key}"
    elif role == "oauth_token":
        headers["Authorization"] = f"Bearer {world.oauth_token}"
    elif role != "anon":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return getattr(client, r.method)(url, r.data, headers=headers)


def _check_redirect(response, outcome: Outcome, url: str, world) -> None:
    location = response["Location"]
    if outcome.login:
        parts = urlsplit(location)
        assert parts.path == outcome.login, location
        assert parse_qs(parts.query).get("next") == [url], location
    else:
        expected = outcome.location.format(**world.ids)
        assert location.startswith(expected), (
            f"{location} does not start with {expected}"
        )


@pytest.mark.parametrize(("r", "role", "outcome"), _cases())
def test_access(client, world, db, caplog, r: Row, role: str, outcome: Outcome):
    url = r.url.format(**world.ids)
    with caplog.at_level(logging.INFO, logger="lms.security"):
        response = _request(client, world, r, role, url)
    assert response.status_code == outcome.status, (
        f"{role} {r.method.upper()} {url}: {response.status_code}"
        f" {response.get('Location', '')}, expected {outcome!r}"
    )
    if outcome.status in (301, 302):
        _check_redirect(response, outcome, url, world)
    refusals = [
        rec for rec in caplog.records if getattr(rec, "event", None) == "access_refused"
    ]
    if outcome.refused:
        assert len(refusals) == 1, f"expected one logged refusal, got {len(refusals)}"
        assert refusals[0].path == urlsplit(url).path
        user = world.users.get(role)
        assert refusals[0].user_id == (user.pk if user is not None else None)
    elif outcome.status < 400:
        assert not refusals, (
            f"an allowed request logged a refusal: {refusals[0].getMessage()}"
        )

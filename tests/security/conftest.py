"""One academy for the access matrix, built once per module and rolled back after it.

Two agencies (A and B) and, for every role, one person of each side:

- `learner`: agency A, enrolled in course X (P1), has a completion, a submitted and
  an open quiz attempt, a graded lab submission and a certificate of course X;
- `learner_b`: agency B, enrolled in nothing, owns nothing;
- `instructor` teaches program P1 (course X); `instructor_b` teaches P2;
- `manager` manages agency A (uploaded its roster import); `manager_b` agency B;
- `dost`: DOST admin; `superuser`: a Django superuser (for /django-admin/).

Plus a graded lab with a regrade run, a certificate batch, a DOST target, a monthly
report, a pending self sign-up in each agency, an LGSP API token, an OAuth token and
a Wagtail document. Each test runs in a savepoint inside the module's transaction,
so a POST in one test (an enrolment, a regrade, an approval) is gone before the next.
"""

from __future__ import annotations

import datetime
import json
import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test.utils import override_settings

from tests.factories import AgencyFactory, UserFactory, officer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "courses"
ROLES = (
    "anon",
    "learner",
    "learner_b",
    "instructor",
    "instructor_b",
    "manager",
    "manager_b",
    "dost",
)


@dataclass
class World:
    users: dict[str, object] = field(default_factory=dict)
    ids: dict[str, object] = field(default_factory=dict)
    # A signed-in session per role, opened once (a login per test costs more than
    # the request it precedes).
    sessions: dict[str, str] = field(default_factory=dict)
    # Credentials of the non-session clients: the LGSP API and the hub's OAuth.
    api_key: str = ""
    oauth_token: str = ""


def _closed_port() -> int:
    """A loopback port nothing listens on: the hub is "down" for the hub buttons."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("access-media")
    overrides = override_settings(
        MEDIA_ROOT=str(media),
        OPENBADGES_ISSUER_KEY_FILE=str(media / "issuer.pem"),
        CERTIFICATE_VERIFY_RATE_LIMIT=0,
        SITE_URL="https://hocvien.example.vn",
        JUPYTERHUB_URL=f"http://127.0.0.1:{_closed_port()}",
    )
    overrides.enable()
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            yield _build(media)
            transaction.set_rollback(True)
    finally:
        overrides.disable()


def _build(media: Path) -> World:
    world = World()
    _people(world)
    _courses(world)
    _labs(world, media)
    _certificates(world)
    _tracking(world)
    _signups(world)
    _clients(world)
    _sessions(world)
    return world


def _people(world: World) -> None:
    a = AgencyFactory(code="ACL-A", name="UBND Xã Phân Quyền A")
    b = AgencyFactory(code="ACL-B", name="UBND Xã Phân Quyền B")
    dost_agency = AgencyFactory(code="ACL-SKHCN", kind="department")
    world.ids.update(A=a.pk, B=b.pk, A_code=a.code, B_code=b.code)
    world.users.update(
        learner=officer(agency=a, roles=["Learner"], username="acl_hocvien"),
        learner_b=officer(agency=b, roles=["Learner"], username="acl_hocvien_b"),
        instructor=officer(roles=["Instructor"], username="acl_giangvien"),
        instructor_b=officer(roles=["Instructor"], username="acl_giangvien_b"),
        manager=officer(agency=a, roles=["Agency manager"], username="acl_quanly"),
        manager_b=officer(agency=b, roles=["Agency manager"], username="acl_quanly_b"),
        dost=officer(agency=dost_agency, roles=["DOST admin"], username="acl_sokhcn"),
        superuser=UserFactory(
            username="acl_superuser", is_staff=True, is_superuser=True
        ),
    )
    for name in ("learner", "learner_b", "manager", "manager_b", "dost"):
        world.ids[f"{name}_id"] = world.users[name].pk


def _courses(world: World) -> None:
    from courses import services
    from courses.demo import courses_load
    from courses.models import CourseCompletion, Enrolment, LessonPage, ProgramPage
    from labs.models import Lab
    from lms.demo import seed_programs
    from lms.services import home_page_ensure

    seed_programs(home_page_ensure())
    programs = {p.code: p for p in ProgramPage.objects.all()}
    Lab.objects.create(slug="l1-officer-names", title="Chuẩn hóa họ tên cán bộ")
    course = courses_load(paths=[FIXTURES / "P1-01-du-lieu-co-ban.json"])[0]
    services.program_instructor_assign(
        program=programs["P1"], user=world.users["instructor"]
    )
    services.program_instructor_assign(
        program=programs["P2"], user=world.users["instructor_b"]
    )
    learner = world.users["learner"]
    Enrolment.objects.create(user=learner, course=course)
    CourseCompletion.objects.create(
        user=learner, course=course, agency_id=world.ids["A"]
    )
    submitted = services.quiz_attempt_start(user=learner, course=course)
    services.quiz_attempt_submit(user=learner, attempt_id=submitted.pk, data={})
    opened = services.quiz_attempt_start(user=learner, course=course)
    lesson = LessonPage.objects.live().child_of(course).order_by("path").first()
    world.ids.update(
        course=course.pk,
        course_url=course.url,
        lesson=lesson.pk,
        lesson_slug=lesson.slug,
        lesson_page_url=lesson.url_path.split("/", 2)[2],
        attempt_open=opened.pk,
        attempt_done=submitted.pk,
    )


def _labs(world: World, media: Path) -> None:
    from courses.models import LessonPage
    from labs.models import Lab, RegradeRun, Submission
    from tests.labs.lab_fixtures import TINY_MANIFEST, notebook_bytes, version_record

    folder = media / "tiny-lab"
    (folder / "data").mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps(TINY_MANIFEST), encoding="utf-8")
    (folder / "data" / "numbers.csv").write_text("n\n1\n2\n3\n", encoding="utf-8")
    (folder / "starter.ipynb").write_bytes(notebook_bytes("total = None"))
    lab = Lab.objects.create(slug="tiny-lab", title="Bài thực hành thử")
    version = version_record(lab, folder)
    submission = Submission(
        user=world.users["learner"],
        lab=lab,
        bundle_version=version,
        sha256="0" * 64,
        status=Submission.Status.GRADED,
        score=2,
        max_score=2,
        result={"checks": []},
    )
    submission.notebook.save(
        "t.ipynb", ContentFile(notebook_bytes("total = 6")), save=False
    )
    submission.executed_html.save(
        "t.html", ContentFile(b"<html><body>6</body></html>"), save=False
    )
    submission.save()
    RegradeRun.objects.create(
        lab=lab, bundle_version=version, total=1, created_by=world.users["dost"]
    )
    # The lab is used in course X (P1): its instructor oversees it, P2's does not.
    LessonPage.objects.get(pk=world.ids["lesson"]).labs.add(lab)
    world.ids.update(lab=lab.slug, sub=submission.pk)


def _certificates(world: World) -> None:
    from certificates.models import Certificate, CertificateBatch
    from certificates.services import certificate_issue
    from courses.models import CoursePage

    certificate = certificate_issue(
        user=world.users["learner"],
        course=CoursePage.objects.get(pk=world.ids["course"]),
        issued_on=datetime.date(2026, 3, 2),
        render=False,
    )
    certificate.pdf.save("c.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    Certificate.objects.filter(pk=certificate.pk).update(pdf=certificate.pdf.name)
    batch = CertificateBatch(created_by=world.users["dost"], original_name="d.xlsx")
    batch.file.save("d.xlsx", ContentFile(b"x"), save=False)
    batch.save()
    world.ids.update(code=certificate.code, serial=certificate.serial, batch=batch.pk)


def _tracking(world: World) -> None:
    from courses.models import ProgramPage
    from lms.tracking.models import MonthlyReport, RosterImport
    from lms.tracking.services import target_create

    for key, uploader, agency in (
        ("roster_a", "manager", "A"),
        ("roster_b", "manager_b", "B"),
    ):
        roster = RosterImport(
            agency_id=world.ids[agency],
            uploaded_by=world.users[uploader],
            original_name="ds.xlsx",
            status=RosterImport.Status.VALID,
        )
        roster.file.save("ds.xlsx", ContentFile(b"x"), save=False)
        roster.save()
        world.ids[key] = roster.pk
        world.ids[f"{key}_file"] = roster.file.name
    # A kind no test officer belongs to, so nobody gets enrolled by the target.
    target = target_create(
        created_by=world.users["dost"],
        name="Chỉ tiêu thử",
        program=ProgramPage.objects.get(code="P5"),
        deadline=datetime.date(2026, 9, 30),
        agency_kind="enterprise",
    )
    report = MonthlyReport(month=datetime.date(2026, 1, 1), figures={})
    report.xlsx.save("bc.xlsx", ContentFile(b"x"), save=False)
    report.save()
    world.ids.update(target=target.pk, report=report.pk)


def _signups(world: World) -> None:
    """A self sign-up waiting in each agency (inactive accounts, no profile)."""
    from lms.accounts.models import SignupRequest

    for key, agency in (("signup_a", "A"), ("signup_b", "B")):
        user = UserFactory(username=f"acl_dangky_{agency.lower()}", is_active=False)
        world.ids[key] = SignupRequest.objects.create(
            user=user, agency_id=world.ids[agency], position="Chuyên viên"
        ).pk


def _clients(world: World) -> None:
    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model, get_application_model
    from wagtail.documents.models import Document
    from wagtail.models import Collection

    from lms.tracking.api import api_token_create

    token, world.api_key = api_token_create(name="LGSP thử")
    world.ids["api_token"] = token.pk
    application = get_application_model().objects.create(
        name="hub-test",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="https://hub.example.vn/hub/oauth_callback",
        algorithm="",
    )
    world.oauth_token = "acl-oauth-token-0123456789"
    get_access_token_model().objects.create(
        user=world.users["learner"],
        application=application,
        token=world.oauth_token,
        scope="read",
        expires=timezone.now() + datetime.timedelta(hours=1),
    )
    # `flush` empties the collection tree that Wagtail's migration created.
    root = Collection.get_first_root_node() or Collection.add_root(name="Root")
    document = Document(title="Tài liệu thử", collection=root)
    document.file.save("tai-lieu.txt", ContentFile(b"abc"), save=False)
    document.save()
    world.ids.update(doc=document.pk, doc_name=document.filename)


def _sessions(world: World) -> None:
    from django.conf import settings
    from django.test import Client

    for role, user in world.users.items():
        client = Client()
        client.force_login(user)
        world.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value

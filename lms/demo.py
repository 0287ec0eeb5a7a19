"""Demo content for `manage.py seed_demo`: agencies, one user per role, home page and
the seven program pages of the plan. Every function is idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from wagtail.models import Page, Site

from courses.models import ProgramIndexPage, ProgramPage
from courses.services import moderation_workflow_ensure
from lms.accounts.mfa import mfa_required, totp_activate
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.accounts.services import officer_move, role_grant
from lms.agencies.models import Agency
from lms.agencies.services import agencies_load
from lms.models import HomePage
from lms.services import home_page_ensure

# Local-only password for every demo account; `seed_demo` refuses to run with DEBUG off.
DEMO_PASSWORD = "hocviendulieu2026"  # noqa: S105
# Published authenticator-app secret of the demo staff (instructor, DOST admin), who
# must sign in with a second factor like real staff; `manage.py demo_totp` shows the
# current code.
DEMO_TOTP_SECRET = "NBXWG5TJMVXC2ZDVFVWGSZLVFVSGK3LP"  # noqa: S105


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: Role
    agency_code: str
    position: str
    focal_point: bool = False


DEMO_USERS = [
    DemoUser(
        "hocvien",
        "Nguyễn Thị Hương",
        Role.LEARNER,
        "UBND-09187",
        "Công chức Văn phòng - Thống kê",
        focal_point=True,
    ),
    DemoUser(
        "giangvien",
        "Trần Văn Minh",
        Role.INSTRUCTOR,
        "TTKHCNCDS",
        "Giảng viên, Trung tâm Khoa học công nghệ và Chuyển đổi số",
    ),
    DemoUser(
        "quanly",
        "Lê Thị Thu Hà",
        Role.AGENCY_MANAGER,
        "UBND-09187",
        "Phó Chủ tịch UBND phường",
    ),
    DemoUser(
        "sokhcn",
        "Phạm Quốc Dũng",
        Role.DOST_ADMIN,
        "SKHCN",
        "Trưởng phòng Chuyển đổi số, Sở KH&CN",
    ),
]

HOME_INTRO_VI = (
    "<p>Học viện Dữ liệu là nền tảng đào tạo trực tuyến của tỉnh Bắc Ninh, thực hiện "
    "nhiệm vụ đào tạo tại Kế hoạch phát triển dữ liệu năm 2026: bồi dưỡng chuyên sâu về "
    "hạ tầng, hệ thống ứng dụng, phân tích và khoa học dữ liệu cho cán bộ Trung tâm Tích "
    "hợp dữ liệu tỉnh; kỹ năng quản trị, làm sạch, lưu trữ, chia sẻ và khai thác dữ liệu "
    "cho cán bộ đầu mối dữ liệu và cán bộ công nghệ thông tin của các sở, ngành, xã, "
    "phường và doanh nghiệp nhà nước.</p>"
    "<p>Học viên học theo chương trình được giao, làm bài kiểm tra và bài thực hành "
    "làm sạch dữ liệu trên JupyterLab, được chấm tự động trong vài giây và nhận giấy "
    "chứng nhận có mã QR xác thực. Sở Khoa học và Công nghệ theo dõi tỷ lệ hoàn thành "
    "theo từng đơn vị và nhận báo cáo định kỳ hằng tháng.</p>"
)
HOME_INTRO_EN = (
    "<p>Data Academy is Bắc Ninh province's online training platform for its 2026 data "
    "development plan: in-depth courses for the Provincial Data Integration Centre, and "
    "data-governance, cleaning, sharing and exploitation skills for the data focal "
    "points and IT officers of every department, commune, ward and state-owned "
    "enterprise.</p><p>Learners follow assigned programs, take quizzes and hands-on "
    "data-cleaning labs in JupyterLab graded within seconds, and receive certificates "
    "with a verifiable QR code. The Department of Science and Technology tracks "
    "completion by agency and receives a monthly report.</p>"
)

PROGRAMS = [
    ("P1", "Quản trị dữ liệu cơ bản", "B", 24),
    ("P2", "Chất lượng và làm sạch dữ liệu", "AB", 32),
    ("P3", "Kết nối và chia sẻ dữ liệu", "AB", 24),
    ("P4", "Phân tích và trực quan hóa dữ liệu", "AB", 32),
    ("P5", "Khoa học dữ liệu cơ bản", "A", 40),
    ("P6", "Hạ tầng và vận hành Trung tâm dữ liệu", "A", 40),
    ("P7", "An toàn thông tin và bảo vệ dữ liệu cá nhân", "AB", 16),
]


def seed_users() -> list[User]:
    users = []
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "full_name": demo.full_name,
                "email": f"{demo.username}@example.org",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        role_grant(user=user, role=demo.role)
        officer_move(user=user, agency=agencies[demo.agency_code])
        user.profile.position = demo.position
        user.profile.is_data_focal_point = demo.focal_point
        user.profile.save(
            update_fields=["position", "is_data_focal_point", "updated_at"]
        )
        if mfa_required(user):
            totp_activate(user=user, secret=DEMO_TOTP_SECRET)
        users.append(user)
    return users


def seed_home() -> HomePage:
    home = home_page_ensure()
    if home.intro != HOME_INTRO_VI or home.intro_en != HOME_INTRO_EN:
        home.intro, home.intro_en = HOME_INTRO_VI, HOME_INTRO_EN
        home.save_revision().publish()
    Site.objects.filter(is_default_site=True).update(site_name="Học viện Dữ liệu")
    return home


def seed_programs(home: Page) -> ProgramIndexPage:
    index = ProgramIndexPage.objects.first()
    if index is None:
        index = ProgramIndexPage(
            title="Chương trình đào tạo",
            slug="programs",
            intro="<p>Bảy chương trình đào tạo theo Kế hoạch phát triển dữ liệu năm 2026.</p>",
        )
        home.add_child(instance=index)
    moderation_workflow_ensure(index=index)
    existing = set(ProgramPage.objects.values_list("code", flat=True))
    for code, title, audience, hours in PROGRAMS:
        if code not in existing:
            index.add_child(
                instance=ProgramPage(
                    title=title,
                    slug=code.lower(),
                    code=code,
                    audience=audience,
                    hours=hours,
                )
            )
    return index


@transaction.atomic
def seed() -> None:
    agencies_load()
    seed_users()
    home = seed_home()
    seed_programs(home)

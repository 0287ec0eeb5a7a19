"""Fixtures for certificate tests: a program/course page tree, isolated media and
issuer key, and the verify rate limit off unless a test turns it on."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from courses.models import CoursePage, ProgramIndexPage, ProgramPage


@pytest.fixture(autouse=True)
def certificate_settings(request, settings, tmp_path):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 0
    settings.SITE_URL = "https://hocvien.example.vn"
    settings.OPENBADGES_ISSUER_KEY_FILE = str(tmp_path / "issuer.pem")
    if request.node.get_closest_marker("worker") is None:
        # A worker subprocess keeps the configured MEDIA_ROOT; everyone else
        # writes PDFs to a temporary folder.
        settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings


@pytest.fixture
def program_page(home_page) -> ProgramPage:
    index = ProgramIndexPage.objects.first()
    if index is None:
        index = home_page.add_child(
            instance=ProgramIndexPage(title="Chương trình đào tạo", slug="ct-test")
        )
    return index.add_child(
        instance=ProgramPage(
            title="Quản trị dữ liệu cơ bản",
            slug="p-test",
            code="PT1",
            audience="B",
            hours=24,
        )
    )


@pytest.fixture
def course_page(program_page) -> CoursePage:
    return program_page.add_child(
        instance=CoursePage(
            title="Khung pháp lý về dữ liệu", slug="khung-phap-ly", hours=Decimal("8")
        )
    )


class Completion:
    """What `courses` sends with its completion signals (duck-typed)."""

    def __init__(self, *, completed_at=None, score=None, agency=None):
        from django.utils import timezone

        self.completed_at = completed_at or timezone.now()
        self.score = score
        self.agency = agency
        self.agency_id = agency.pk if agency else None


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def issue(user, course, **kw):
    from certificates.services import certificate_issue

    kw.setdefault("render", False)
    kw.setdefault("issued_on", date(2026, 3, 2))
    return certificate_issue(user=user, course=course, **kw)

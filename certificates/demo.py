"""Demo content: a default signer and one certificate for the demo learner."""

from __future__ import annotations

from django.db import transaction

from certificates.models import CertificateSigner
from certificates.services import certificate_issue, certificate_render
from courses.models import ProgramPage
from lms.accounts.models import User

# A fictional signer: demo data never names a real official.
DEMO_SIGNER = ("Nguyễn Văn An", "Giám đốc Sở Khoa học và Công nghệ")


def seed() -> None:
    with transaction.atomic():
        if not CertificateSigner.objects.filter(program__isnull=True).exists():
            CertificateSigner.objects.create(name=DEMO_SIGNER[0], title=DEMO_SIGNER[1])
        learner = User.objects.filter(username="hocvien").first()
        program = ProgramPage.objects.filter(code="P1").first()
        if learner is None or program is None:
            return
        certificate = certificate_issue(user=learner, program=program, render=False)
    # Rendered here rather than queued, so the demo works before a worker starts.
    certificate_render(certificate=certificate)

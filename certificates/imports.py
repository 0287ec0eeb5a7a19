"""Batch issue from an XLSX list: parse, validate every row, issue all or nothing.

Columns (first row is the header; Vietnamese or English names, any order):
``tên đăng nhập``/``username`` *or* ``họ và tên``/``full_name`` (+ ``mã đơn vị``/
``agency_code``), ``mã khóa học``/``code`` (a program code such as ``P1``, or a
course's slug), ``ngày cấp``/``issued_on`` (a date cell or dd/mm/yyyy), optional
``điểm``/``score``.  Every error names its row; one error means nothing is issued.
"""

from __future__ import annotations

import datetime
import io
import logging
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from certificates.models import Certificate, CertificateBatch
from certificates.rendering import normalise_name
from courses.models import CoursePage, ProgramPage
from lms.accounts.models import User
from lms.agencies.models import Agency

logger = logging.getLogger(__name__)

MAX_ROWS = 20_000
MAX_FILE_BYTES = 5 * 1024 * 1024

_COLUMNS = {
    "username": {"username", "ten dang nhap", "tai khoan"},
    "full_name": {"full_name", "full name", "ho va ten", "ho ten"},
    "agency_code": {"agency_code", "agency", "ma don vi", "ma co quan"},
    "code": {
        "code",
        "course",
        "program",
        "ma khoa hoc",
        "ma chuong trinh",
        "ma khoa hoc/chuong trinh",
        "ma khoa hoc / chuong trinh",
    },
    "issued_on": {"issued_on", "issued", "ngay cap"},
    "score": {"score", "diem"},
}


@dataclass
class BatchRow:
    line: int
    user: User | None
    holder_name: str | None
    agency: Agency | None
    course: CoursePage | None
    program: ProgramPage | None
    issued_on: datetime.date
    score: Decimal | None


class BatchInvalid(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} lỗi")
        self.errors = errors


def _fold(text: object) -> str:
    """Header matching: lower case, no accents (đ -> d), single spaces."""
    value = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d")
    value = value.replace("Đ", "d")
    value = "".join(c for c in value if unicodedata.category(c) != "Mn")
    return " ".join(value.lower().split())


def _header_map(header: tuple[object, ...]) -> dict[str, int]:
    found = {}
    for index, cell in enumerate(header):
        folded = _fold(cell)
        for key, names in _COLUMNS.items():
            if folded in names and key not in found:
                found[key] = index
    return found


def _cell(row: tuple[object, ...], columns: dict[str, int], key: str) -> object:
    index = columns.get(key)
    if index is None or index >= len(row):
        return None
    value = row[index]
    return value.strip() if isinstance(value, str) else value


def _date(value: object) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007
        except ValueError:
            continue
    raise ValueError("ngày cấp không đúng định dạng dd/mm/yyyy")


def _score(value: object) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value).replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError("điểm không phải là số") from exc
    if not score.is_finite() or not 0 <= score <= 100:
        raise ValueError("điểm phải từ 0 đến 100")
    return score


class _Lookups:
    """Caches so that a 10,000-row list costs a few queries, not 30,000."""

    def __init__(self) -> None:
        self.programs = {p.code.upper(): p for p in ProgramPage.objects.all()}
        self.courses = {c.slug.lower(): c for c in CoursePage.objects.all()}
        self.agencies: dict[str, Agency | None] = {}
        self.users: dict[str, User | None] = {}

    def agency(self, code: str) -> Agency | None:
        if code not in self.agencies:
            self.agencies[code] = Agency.objects.filter(code__iexact=code).first()
        return self.agencies[code]

    def user(self, username: str) -> User | None:
        if username not in self.users:
            self.users[username] = User.objects.filter(
                username__iexact=username
            ).first()
        return self.users[username]


def _row_parse(
    line: int, row: tuple[object, ...], columns: dict[str, int], lookups: _Lookups
) -> BatchRow:
    username = str(_cell(row, columns, "username") or "")
    full_name = str(_cell(row, columns, "full_name") or "")
    agency_code = str(_cell(row, columns, "agency_code") or "")
    code = str(_cell(row, columns, "code") or "")
    agency = None
    if agency_code:
        agency = lookups.agency(agency_code)
        if agency is None:
            raise ValueError(f"không có đơn vị mã “{agency_code[:40]}”")
    user = None
    holder_name = None
    if username:
        user = lookups.user(username)
        if user is None:
            raise ValueError(f"không có tài khoản “{username[:40]}”")
    elif full_name:
        holder_name = normalise_name(full_name)
        if agency is None:
            raise ValueError("cần mã đơn vị khi không có tên đăng nhập")
    else:
        raise ValueError("cần tên đăng nhập hoặc họ và tên")
    program = lookups.programs.get(code.upper())
    course = None if program else lookups.courses.get(code.lower())
    if program is None and course is None:
        raise ValueError(f"không có khóa học hoặc chương trình mã “{code[:40]}”")
    issued_on = _date(_cell(row, columns, "issued_on"))
    if not datetime.date(2000, 1, 1) <= issued_on <= timezone.localdate():
        raise ValueError("ngày cấp phải từ năm 2000 đến hôm nay")
    return BatchRow(
        line=line,
        user=user,
        holder_name=holder_name,
        agency=agency,
        course=course,
        program=program,
        issued_on=issued_on,
        score=_score(_cell(row, columns, "score")),
    )


def batch_parse(content: bytes) -> list[BatchRow]:
    """Every row of the list, validated; raises BatchInvalid listing all errors."""
    from openpyxl import load_workbook

    if len(content) > MAX_FILE_BYTES:
        raise BatchInvalid(["Tệp lớn hơn 5 MB."])
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same to the user
        logger.info("unreadable certificate list: %s", type(exc).__name__)
        raise BatchInvalid(["Không đọc được tệp: cần một tệp Excel (.xlsx)."]) from None
    rows = workbook.active.iter_rows(values_only=True)
    header = next(rows, None) or ()
    columns = _header_map(header)
    if "code" not in columns or not {"username", "full_name"} & columns.keys():
        raise BatchInvalid(
            [
                "Dòng tiêu đề cần các cột: tên đăng nhập (hoặc họ và tên và mã đơn "
                "vị), mã khóa học/chương trình, ngày cấp."
            ]
        )
    return _rows_validate(rows, columns)


def _rows_validate(rows, columns: dict[str, int]) -> list[BatchRow]:  # noqa: ANN001
    lookups, parsed, errors, seen = _Lookups(), [], [], {}
    for line, row in enumerate(rows, start=2):
        if not any(cell not in (None, "") for cell in row):
            continue
        if len(parsed) + len(errors) >= MAX_ROWS:
            errors.append(f"Danh sách dài quá {MAX_ROWS} dòng.")
            break
        try:
            item = _row_parse(line, row, columns, lookups)
        except ValueError as exc:
            errors.append(f"Dòng {line}: {exc}")
            continue
        key = (
            item.user.pk if item.user else (item.holder_name, item.agency.pk),
            item.course.pk if item.course else None,
            item.program.pk if item.program else None,
        )
        if key in seen:
            errors.append(f"Dòng {line}: trùng với dòng {seen[key]}")
            continue
        seen[key] = line
        parsed.append(item)
    if errors:
        raise BatchInvalid(errors[:200])
    if not parsed:
        raise BatchInvalid(["Danh sách không có dòng nào."])
    return parsed


def batch_create(*, content: bytes, filename: str, by: User) -> CertificateBatch:
    """Validate now (clear errors, nothing stored), then queue the issue."""
    from django.core.files.base import ContentFile

    from certificates.tasks import certificate_batch_task

    rows = batch_parse(content)
    with transaction.atomic():
        batch = CertificateBatch(
            created_by=by, original_name=filename[:255], total=len(rows)
        )
        batch.file.save("list.xlsx", ContentFile(content), save=False)
        batch.save()
        transaction.on_commit(
            lambda: certificate_batch_task.delay(batch.pk), robust=True
        )
    return batch


RENDER_CHUNK = 50


def batch_run(*, batch_id: int, fan_out: bool = False) -> CertificateBatch:
    """Issue every row in one transaction, then render the PDFs, counting progress.

    With `fan_out` (the Celery task), the rendering is split into chunk tasks so
    every worker process renders at once (about 50 ms of CPU per PDF: 10,000
    certificates take minutes on one core); the last chunk marks the batch done.
    Without it, this process renders them all.

    Idempotent: a re-run issues nothing new (certificate_issue finds them) and
    renders only what is missing.
    """
    from certificates.services import CertificateError, certificate_issue

    batch = CertificateBatch.objects.get(pk=batch_id)
    CertificateBatch.objects.filter(pk=batch.pk).update(status="running")
    try:
        with batch.file.open("rb") as handle:
            rows = batch_parse(handle.read())
        with transaction.atomic():
            issued = [
                certificate_issue(
                    user=row.user,
                    holder_name=row.holder_name,
                    agency=row.agency,
                    course=row.course,
                    program=row.program,
                    issued_on=row.issued_on,
                    score=row.score,
                    by=batch.created_by,
                    source=Certificate.Source.BATCH,
                    batch_id=batch.pk,
                    render=False,
                )
                for row in rows
            ]
    except (BatchInvalid, CertificateError) as exc:
        errors = getattr(exc, "errors", None) or [str(exc)]
        CertificateBatch.objects.filter(pk=batch.pk).update(
            status="failed", errors=errors, finished_at=timezone.now()
        )
        return CertificateBatch.objects.get(pk=batch.pk)
    CertificateBatch.objects.filter(pk=batch.pk).update(
        total=len(issued), issued=len(issued)
    )
    if fan_out and issued:
        from certificates.tasks import certificate_batch_render_task

        ids = [certificate.pk for certificate in issued]
        for start in range(0, len(ids), RENDER_CHUNK):
            certificate_batch_render_task.delay(
                batch.pk, ids[start : start + RENDER_CHUNK]
            )
        return CertificateBatch.objects.get(pk=batch.pk)
    _render_all(batch, issued)
    CertificateBatch.objects.filter(pk=batch.pk).update(
        status="done", finished_at=timezone.now()
    )
    return CertificateBatch.objects.get(pk=batch.pk)


def batch_render_chunk(*, batch_id: int, certificate_ids: list[int]) -> int:
    """Render one chunk of a batch, then recount: the batch is done when none of
    its certificates lacks a PDF. Safe to run twice (renders skip what is current;
    the count is recomputed, not incremented)."""
    from certificates.services import certificate_render

    for certificate in Certificate.objects.filter(pk__in=certificate_ids):
        certificate_render(certificate=certificate)
    missing = Certificate.objects.filter(batch_id=batch_id, pdf="").count()
    batch = CertificateBatch.objects.get(pk=batch_id)
    rendered = max(batch.total - missing, 0)
    CertificateBatch.objects.filter(pk=batch_id).update(rendered=rendered)
    if not missing:
        CertificateBatch.objects.filter(
            pk=batch_id, status=CertificateBatch.Status.RUNNING
        ).update(status=CertificateBatch.Status.DONE, finished_at=timezone.now())
    return rendered


def _render_all(batch: CertificateBatch, certificates: list[Certificate]) -> None:
    from certificates.services import certificate_render

    for done, certificate in enumerate(certificates, start=1):
        certificate_render(certificate=certificate)
        if done % 10 == 0 or done == len(certificates):
            CertificateBatch.objects.filter(pk=batch.pk).update(rendered=done)

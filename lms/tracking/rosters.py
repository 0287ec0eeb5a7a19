"""Roster import: read an XLSX/CSV of officers, check every row, then write all or
nothing.

Reading refuses files before parsing them when they are too big, not really
XLSX, or a zip bomb (the uncompressed size is read from the zip directory first).
Every row is checked before the first write; errors come back per row and column
in Vietnamese.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.accounts.models import AgencyMembership, OfficerProfile, User
from lms.accounts.services import officer_move
from lms.agencies.models import Agency
from lms.tracking.models import RosterImport
from lms.tracking.receivers import officer_sync_deferred
from lms.tracking.stats import agency_stats_deferred

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 20_000
MAX_ERRORS = 500

# (key, Vietnamese header, required)
COLUMNS = [
    ("username", "Tên đăng nhập", True),
    ("full_name", "Họ và tên", True),
    ("email", "Email", True),
    ("agency_code", "Mã đơn vị", True),
    ("position", "Chức vụ / vị trí việc làm", False),
    ("focal_point", "Đầu mối dữ liệu", False),
    ("it_officer", "Cán bộ CNTT", False),
    ("joined_on", "Ngày vào đơn vị", False),
]
HEADERS = {key: header for key, header, _required in COLUMNS}
_TRUE = {"có", "co", "x", "1", "true", "yes", "c"}
_FALSE = {"", "không", "khong", "0", "false", "no", "k"}
_DATE_TEXT = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class RosterFileRefused(Exception):
    """The whole file is refused (size, type, zip bomb, layout); nothing is read."""


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class RosterRow:
    row: int
    username: str
    full_name: str
    email: str
    agency_code: str
    position: str = ""
    focal_point: bool = False
    it_officer: bool = False
    joined_on: datetime.date | None = None


@dataclass
class Checked:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _norm(text: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).split())


def _header_key(text: Any) -> str | None:
    wanted = _norm(text).casefold()
    for key, header, _required in COLUMNS:
        if wanted in (header.casefold(), key):
            return key
    return None


# --- Reading ------------------------------------------------------------------------
def file_check(*, path: Path, name: str) -> str:
    """Return "xlsx" or "csv", or raise RosterFileRefused with a Vietnamese reason."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise RosterFileRefused(
            _("Tệp quá lớn ({size} MB); tối đa {limit} MB.").format(
                size=round(size / 1024 / 1024, 1), limit=MAX_FILE_BYTES // 1024 // 1024
            )
        )
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix != ".xlsx":
        raise RosterFileRefused(_("Chỉ nhận tệp .xlsx hoặc .csv."))
    if not zipfile.is_zipfile(path):
        raise RosterFileRefused(
            _("Tệp không phải là tệp Excel .xlsx hợp lệ (có thể đã bị đổi đuôi).")
        )
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise RosterFileRefused(
                _("Tệp không phải là tệp Excel .xlsx hợp lệ (có thể đã bị đổi đuôi).")
            )
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNCOMPRESSED_BYTES:
            raise RosterFileRefused(
                _(
                    "Tệp giải nén quá lớn ({size} MB); tệp có thể bị lỗi hoặc độc hại."
                ).format(size=unpacked // 1024 // 1024)
            )
        if any(_has_merged_cells(archive, n) for n in names if _is_sheet(n)):
            raise RosterFileRefused(
                _(
                    "Bảng tính có ô bị gộp (merge). Vui lòng bỏ gộp ô và dùng đúng tệp mẫu."
                )
            )
    return "xlsx"


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/sheet") and name.endswith(".xml")


def _has_merged_cells(archive: zipfile.ZipFile, name: str) -> bool:
    # Read-only openpyxl does not expose merges; look for the element directly,
    # streaming so a large sheet is never held in memory.
    tail = b""
    with archive.open(name) as handle:
        while chunk := handle.read(256 * 1024):
            if b"<mergeCell " in tail + chunk or b"<x:mergeCell " in tail + chunk:
                return True
            tail = chunk[-32:]
    return False


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a refusal
        raise RosterFileRefused(_("Không đọc được tệp Excel: tệp bị hỏng.")) from exc
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(), start=1):
            values = []
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    values.append(_Formula(str(cell.value)))
                else:
                    values.append(cell.value)
            yield number, values
    finally:
        workbook.close()


class _Formula(str):
    """A cell holding a formula: refused, the roster must hold plain values."""


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterFileRefused(_("Tệp CSV phải được lưu với mã UTF-8.")) from exc
    dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        pass
    yield from enumerate(csv.reader(io.StringIO(text), dialect), start=1)


def rows_read(*, path: Path, kind: str) -> Iterator[tuple[int, list[Any]]]:
    return _xlsx_rows(path) if kind == "xlsx" else _csv_rows(path)


# --- Checking -----------------------------------------------------------------------
@dataclass
class _Context:
    importer_agency: Agency
    any_agency: bool
    agencies: dict[str, Agency]
    seen_usernames: dict[str, int] = field(default_factory=dict)
    seen_emails: dict[str, int] = field(default_factory=dict)


def roster_check(
    *,
    path: Path,
    kind: str,
    agency: Agency,
    any_agency: bool,
    progress: Any = None,
) -> Checked:
    """Check every row; never writes. Raises RosterFileRefused for whole-file problems."""
    result = Checked()
    rows = rows_read(path=path, kind=kind)
    header = next(rows, None)
    if header is None:
        raise RosterFileRefused(_("Tệp trống."))
    mapping = _header_map(header[1])
    context = _Context(
        importer_agency=agency,
        any_agency=any_agency,
        agencies={a.code.casefold(): a for a in Agency.objects.all()},
    )
    for number, values in rows:
        if all(_norm(v) == "" for v in values):
            continue
        if len(result.rows) + 1 > MAX_ROWS:
            raise RosterFileRefused(
                _("Tệp có quá {limit} dòng; hãy chia thành nhiều tệp.").format(
                    limit=f"{MAX_ROWS:,}".replace(",", ".")
                )
            )
        row, errors = _row_check(number, values, mapping, context)
        result.errors.extend(errors)
        if row is not None:
            result.rows.append(row)
        if progress and number % 500 == 0:
            progress(number)
    if not result.rows and not result.errors:
        raise RosterFileRefused(_("Tệp không có dòng dữ liệu nào."))
    result.errors.extend(_database_conflicts(result.rows))
    result.errors.sort(key=lambda e: e.row)
    return result


def _header_map(values: list[Any]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    unknown = []
    for index, value in enumerate(values):
        if isinstance(value, _Formula):
            raise RosterFileRefused(_("Dòng tiêu đề không được chứa công thức."))
        if _norm(value) == "":
            continue
        key = _header_key(value)
        if key is None:
            unknown.append(_norm(value))
        elif key in mapping:
            raise RosterFileRefused(
                _("Cột “{column}” xuất hiện hai lần.").format(column=HEADERS[key])
            )
        else:
            mapping[key] = index
    missing = [h for k, h, required in COLUMNS if required and k not in mapping]
    if missing:
        raise RosterFileRefused(
            _("Thiếu cột bắt buộc: {missing}. Hãy dùng tệp mẫu.").format(
                missing=", ".join(f"“{m}”" for m in missing)
            )
        )
    if unknown:
        raise RosterFileRefused(
            _("Cột không có trong tệp mẫu: {unknown}.").format(
                unknown=", ".join(f"“{u}”" for u in unknown)
            )
        )
    return mapping


def _row_check(
    number: int, values: list[Any], mapping: dict[str, int], ctx: _Context
) -> tuple[RosterRow | None, list[RowError]]:
    errors: list[RowError] = []

    def cell(key: str) -> Any:
        index = mapping.get(key)
        value = values[index] if index is not None and index < len(values) else None
        if isinstance(value, _Formula):
            errors.append(
                RowError(number, HEADERS[key], _("Ô chứa công thức; chỉ nhập giá trị."))
            )
            return None
        return value

    data = {key: _norm(cell(key)) for key in ("username", "full_name", "email")}
    data["email"] = data["email"].lower()
    for key in ("username", "full_name", "email"):
        if not data[key]:
            errors.append(RowError(number, HEADERS[key], _("Không được để trống.")))
    _username_check(number, data["username"], ctx, errors)
    _email_check(number, data["email"], ctx, errors)
    agency = _agency_check(number, _norm(cell("agency_code")), ctx, errors)
    focal = _bool_check(number, "focal_point", cell("focal_point"), errors)
    it_officer = _bool_check(number, "it_officer", cell("it_officer"), errors)
    joined = _date_check(number, cell("joined_on"), errors)
    if len(data["full_name"]) > 150:
        errors.append(RowError(number, HEADERS["full_name"], _("Dài quá 150 ký tự.")))
    position = _norm(cell("position"))[:150]
    if errors or agency is None:
        return None, errors
    return (
        RosterRow(
            row=number,
            username=data["username"],
            full_name=data["full_name"],
            email=data["email"],
            agency_code=agency.code,
            position=position,
            focal_point=focal,
            it_officer=it_officer,
            joined_on=joined,
        ),
        [],
    )


def _username_check(number: int, value: str, ctx: _Context, errors: list) -> None:
    if not value:
        return
    try:
        UnicodeUsernameValidator()(value)
    except ValidationError:
        errors.append(
            RowError(
                number,
                HEADERS["username"],
                _("Chỉ dùng chữ, số và các ký tự @ . + - _ (không có dấu cách)."),
            )
        )
    first = ctx.seen_usernames.setdefault(value.casefold(), number)
    if first != number:
        errors.append(
            RowError(
                number,
                HEADERS["username"],
                _("Trùng tên đăng nhập với dòng {row}.").format(row=first),
            )
        )


def _email_check(number: int, value: str, ctx: _Context, errors: list) -> None:
    if not value:
        return
    try:
        validate_email(value)
    except ValidationError:
        errors.append(RowError(number, HEADERS["email"], _("Email không hợp lệ.")))
        return
    first = ctx.seen_emails.setdefault(value, number)
    if first != number:
        errors.append(
            RowError(
                number,
                HEADERS["email"],
                _("Trùng email với dòng {row}.").format(row=first),
            )
        )


def _agency_check(number: int, code: str, ctx: _Context, errors: list) -> Agency | None:
    column = HEADERS["agency_code"]
    if not code:
        errors.append(RowError(number, column, _("Không được để trống.")))
        return None
    agency = ctx.agencies.get(code.casefold())
    if agency is None:
        errors.append(
            RowError(
                number, column, _("Không có đơn vị mã “{code}”.").format(code=code)
            )
        )
        return None
    if not ctx.any_agency and agency.pk != ctx.importer_agency.pk:
        errors.append(
            RowError(
                number,
                column,
                _("Chỉ được nhập cán bộ của đơn vị mình ({code}).").format(
                    code=ctx.importer_agency.code
                ),
            )
        )
        return None
    if not agency.is_current():
        errors.append(
            RowError(
                number,
                column,
                _("Đơn vị “{code}” đã hết hiệu lực (sáp nhập hoặc giải thể).").format(
                    code=code
                ),
            )
        )
        return None
    return agency


def _bool_check(number: int, key: str, value: Any, errors: list) -> bool:
    if isinstance(value, bool):
        return value
    text = _norm(value).casefold()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        errors.append(RowError(number, HEADERS[key], _("Chỉ nhập “có” hoặc để trống.")))
    return False


def _date_check(number: int, value: Any, errors: list) -> datetime.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    # Dates typed as text: only the unambiguous Vietnamese dd/mm/yyyy is accepted.
    match = _DATE_TEXT.match(_norm(value))
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return datetime.date(year, month, day)
        except ValueError:
            pass
    errors.append(
        RowError(
            number,
            HEADERS["joined_on"],
            _("Ngày “{value}” không hợp lệ; nhập ô kiểu ngày hoặc dd/mm/yyyy.").format(
                value=_norm(value)[:40]
            ),
        )
    )
    return None


def _database_conflicts(rows: list[RosterRow]) -> list[RowError]:
    """A username of one existing account with the email of another is refused."""
    errors = []
    matches = _existing_users(rows)
    for row in rows:
        by_name, by_email = matches.get(row.username.casefold()), matches.get(row.email)
        if by_name and by_email and by_name.pk != by_email.pk:
            errors.append(
                RowError(
                    row.row,
                    HEADERS["email"],
                    _("Email đã thuộc về tài khoản khác ({other}).").format(
                        other=by_email.username
                    ),
                )
            )
    return errors


def _existing_users(rows: list[RosterRow]) -> dict[str, User]:
    found: dict[str, User] = {}
    names = [r.username for r in rows]
    emails = [r.email for r in rows]
    for start in range(0, len(rows), 900):
        query = Q(username__in=names[start : start + 900]) | Q(
            email__in=emails[start : start + 900]
        )
        for user in User.objects.filter(query).select_related("profile"):
            found.setdefault(user.username.casefold(), user)
            if user.email:
                found.setdefault(user.email.lower(), user)
    return found


# --- Writing ------------------------------------------------------------------------
def _progress_key(roster_import_id: int) -> str:
    return f"tracking:roster-progress:{roster_import_id}"


def roster_progress(roster_import: RosterImport) -> int:
    """Rows processed; inside the all-or-nothing transaction the DB can't show it."""
    if roster_import.status == RosterImport.Status.IMPORTING:
        return int(cache.get(_progress_key(roster_import.pk)) or 0)
    return roster_import.processed_rows


@dataclass
class CommitResult:
    created: list[int] = field(default_factory=list)
    updated: int = 0
    moved: int = 0


def roster_rows_commit(*, rows: list[RosterRow], progress: Any = None) -> CommitResult:
    """Write checked rows in one transaction: everything or nothing."""
    result = CommitResult()
    agencies = {
        a.code: a for a in Agency.objects.filter(code__in={r.agency_code for r in rows})
    }
    with transaction.atomic(), agency_stats_deferred(), officer_sync_deferred():
        existing = _existing_users(rows)
        for index, row in enumerate(rows, start=1):
            _row_write(row, agencies[row.agency_code], existing, result)
            if progress and index % 200 == 0:
                progress(index)
    return result


def _row_write(
    row: RosterRow, agency: Agency, existing: dict[str, User], result: CommitResult
) -> None:
    user = existing.get(row.username.casefold()) or existing.get(row.email)
    if user is None:
        user = User(username=row.username, email=row.email, full_name=row.full_name)
        user.set_unusable_password()
        user.save()
        result.created.append(user.pk)
    else:
        user.full_name = row.full_name
        if (
            not User.objects.filter(email__iexact=row.email)
            .exclude(pk=user.pk)
            .exists()
        ):
            user.email = row.email
        user.save(update_fields=["full_name", "email"])
        result.updated += 1
    profile = OfficerProfile.objects.filter(user=user).first()
    previous_agency = profile.agency_id if profile else None
    if previous_agency != agency.pk:
        membership = officer_move(user=user, agency=agency)
        if previous_agency is not None:
            result.moved += 1
        elif row.joined_on:
            start = timezone.make_aware(
                datetime.datetime.combine(row.joined_on, datetime.time())
            )
            AgencyMembership.objects.filter(pk=membership.pk).update(started_at=start)
    profile = OfficerProfile.objects.get(user=user)
    profile.position = row.position
    profile.is_data_focal_point = row.focal_point
    profile.is_it_officer = row.it_officer
    profile.save(
        update_fields=["position", "is_data_focal_point", "is_it_officer", "updated_at"]
    )


def roster_import_process(*, roster_import: RosterImport, commit: bool) -> RosterImport:
    """Check the file (and when `commit`, write it if clean). Safe to run twice."""
    Status = RosterImport.Status
    if roster_import.status in (Status.DONE, Status.IMPORTING):
        return roster_import
    path = Path(roster_import.file.path)
    checked, refused = _check_stage(roster_import, path)
    if refused or checked.errors:
        return roster_import
    if not commit:
        roster_import.status = Status.VALID
        roster_import.save(update_fields=["status"])
        return roster_import
    return _commit_stage(roster_import, checked)


def _check_stage(roster_import: RosterImport, path: Path) -> tuple[Checked, bool]:
    roster_import.status = RosterImport.Status.VALIDATING
    roster_import.processed_rows = 0
    roster_import.save(update_fields=["status", "processed_rows"])
    try:
        kind = file_check(path=path, name=roster_import.original_name)
        checked = roster_check(
            path=path,
            kind=kind,
            agency=roster_import.agency,
            any_agency=roster_import.uploaded_by.has_perm(
                "accounts.view_province_officers"
            ),
            progress=lambda n: RosterImport.objects.filter(pk=roster_import.pk).update(
                processed_rows=n
            ),
        )
    except RosterFileRefused as exc:
        _mark_invalid(roster_import, [RowError(0, "", str(exc))])
        return Checked(), True
    except OSError:
        _mark_invalid(
            roster_import, [RowError(0, "", _("Không đọc được tệp đã tải lên."))]
        )
        return Checked(), True
    roster_import.total_rows = len(checked.rows) + len({e.row for e in checked.errors})
    roster_import.processed_rows = roster_import.total_rows
    if checked.errors:
        _mark_invalid(roster_import, checked.errors)
    else:
        roster_import.errors = []
        roster_import.save(update_fields=["total_rows", "processed_rows", "errors"])
    return checked, False


def _mark_invalid(roster_import: RosterImport, errors: list[RowError]) -> None:
    roster_import.status = RosterImport.Status.INVALID
    roster_import.errors = [e.as_dict() for e in errors[:MAX_ERRORS]]
    roster_import.finished_at = timezone.now()
    roster_import.save()


def _commit_stage(roster_import: RosterImport, checked: Checked) -> RosterImport:
    Status = RosterImport.Status
    roster_import.status = Status.IMPORTING
    roster_import.processed_rows = 0
    roster_import.save(update_fields=["status", "processed_rows"])
    key = _progress_key(roster_import.pk)
    try:
        result = roster_rows_commit(
            rows=checked.rows, progress=lambda n: cache.set(key, n, 3600)
        )
    except Exception as exc:  # noqa: BLE001 - rolled back; tell the manager plainly
        roster_import.status = Status.FAILED
        roster_import.errors = [
            RowError(
                0,
                "",
                _("Lỗi khi ghi dữ liệu, không có thay đổi nào: {e}").format(e=exc),
            ).as_dict()
        ]
        roster_import.finished_at = timezone.now()
        roster_import.save()
        return roster_import
    roster_import.status = Status.DONE
    roster_import.processed_rows = len(checked.rows)
    roster_import.created_count = len(result.created)
    roster_import.updated_count = result.updated
    roster_import.moved_count = result.moved
    roster_import.finished_at = timezone.now()
    roster_import.save()
    if roster_import.send_invitations and result.created:
        invitations_send(user_ids=result.created)
    return roster_import


# --- Invitations --------------------------------------------------------------------
def invitation_url(user: User) -> str:
    """A first-login link: allauth's password-reset-from-key URL for this user."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL + path


def invitations_send(*, user_ids: list[int]) -> int:
    sent = 0
    for user in User.objects.filter(pk__in=user_ids).exclude(email=""):
        body = _(
            "Kính gửi {name},\n\nĐơn vị của đồng chí đã đăng ký tài khoản Học viện Dữ "
            "liệu tỉnh Bắc Ninh cho đồng chí.\nTên đăng nhập: {username}\n\n"
            "Để đặt mật khẩu và đăng nhập lần đầu, mở liên kết sau:\n{url}\n\n"
            "Học viện Dữ liệu tỉnh Bắc Ninh"
        ).format(
            name=user.get_full_name(), username=user.username, url=invitation_url(user)
        )
        send_mail(
            _("Mời tham gia Học viện Dữ liệu"),
            body,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
        sent += 1
    return sent


# --- Template -----------------------------------------------------------------------
def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách cán bộ"
    sheet.append([header for _key, header, _req in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(
        [
            "nguyenvana",
            "Nguyễn Văn A",
            "nguyenvana@bacninh.gov.vn",
            "UBND-09187",
            "Công chức Văn phòng - Thống kê",
            "có",
            "",
            datetime.date(2025, 7, 1),
        ]
    )
    sheet.cell(row=2, column=8).number_format = "DD/MM/YYYY"
    for column, width in zip("ABCDEFGH", [18, 26, 30, 14, 32, 16, 14, 16], strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

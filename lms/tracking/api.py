"""Read-only JSON API for the province's data-sharing platform (LGSP), /api/v1/.

django-ninja, not DRF: the OpenAPI 3 schema comes from the type hints with no
extra package, nothing goes into INSTALLED_APPS, and pagination, bearer auth and
throttling are built in. The Swagger page is off because its assets come from
a CDN; the schema is at /api/v1/openapi.json.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle

from courses.models import ProgramPage
from lms.agencies.models import Agency
from lms.tracking import selectors
from lms.tracking.models import ApiToken


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *, name: str, created_by: object | None = None
) -> tuple[ApiToken, str]:
    """Create a token; the clear key is returned once and never stored."""
    key = "bn_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name, key_hash=token_hash(key), prefix=key[:8], created_by=created_by
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    """Revoke a token at once; revoking twice keeps the first time."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        if not token or len(token) > 200:
            return None
        found = ApiToken.objects.filter(
            key_hash=token_hash(token), revoked_at__isnull=True
        ).first()
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > datetime.timedelta(
            minutes=5
        ):
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        return found


class TokenThrottle(AuthRateThrottle):
    def get_cache_key(self, request: HttpRequest) -> str | None:
        auth = getattr(request, "auth", None)
        ident = (
            f"token-{auth.pk}"
            if isinstance(auth, ApiToken)
            else self.get_ident(request)
        )
        return self.cache_format % {"scope": self.scope, "ident": ident}


api = NinjaAPI(
    title="Học viện Dữ liệu — API chia sẻ dữ liệu (LGSP)",
    version="1",
    description=(
        "Dữ liệu chỉ đọc về đơn vị, chương trình đào tạo, số liệu hoàn thành theo "
        "đơn vị và xác minh giấy chứng nhận. Xác thực: `Authorization: Bearer <khóa>`."
    ),
    urls_namespace="tracking:api-v1",
    docs_url=None,
    auth=TokenAuth(),
    throttle=[TokenThrottle("600/m")],
)


class Pagination(PageNumberPagination):
    """Pages of 100 (up to 500 with page_size); bounded so no request scans far."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=500)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(page_size=100, max_page_size=500, **kwargs)


class AgencyOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_code: str | None
    valid_to: datetime.date | None
    successor_code: str | None


class ProgramOut(Schema):
    id: int
    code: str
    title: str
    audience: str
    hours: int


class AgencyFiguresOut(Schema):
    code: str
    name: str
    kind: str
    officers: int
    required: int
    completed: int
    rate: float
    overdue: int
    focal_point_completed_p1: bool
    status: str


class ProvinceFiguresOut(Schema):
    as_of: str
    agencies: int
    officers: int
    required: int
    completed: int
    rate: float
    overdue: int
    focal_point_agencies: int
    focal_point_coverage: float


class CertificateOut(Schema):
    serial: str
    holder_name: str
    agency_name: str
    title: str
    issued_on: datetime.date
    status: str
    status_changed_at: datetime.datetime | None
    pdf_sha256: str


class Message(Schema):
    detail: str


_KINDS = "|".join(Agency.Kind.values)


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"detail": {}},
                    "required": ["detail"],
                }
            }
        },
    }


# Every operation can answer these; documenting them keeps clients (and
# schemathesis) from meeting an undocumented status code.
ERRORS = {
    "responses": {
        "401": _error("Thiếu khóa truy cập hoặc khóa không hợp lệ"),
        "422": _error("Tham số không hợp lệ"),
        "429": _error("Vượt quá giới hạn số yêu cầu"),
    }
}
FIGURE_ERRORS = {
    "responses": {
        **ERRORS["responses"],
        "404": _error("Không có chương trình mang mã này"),
    }
}


@api.get("/agencies", response=list[AgencyOut], tags=["Đơn vị"], openapi_extra=ERRORS)
@paginate(Pagination)
def agencies(
    request: HttpRequest, kind: str | None = Query(None, pattern=f"^({_KINDS})$")
):
    rows = Agency.objects.select_related("parent", "successor").order_by("code")
    if kind:
        rows = rows.filter(kind=kind)
    return [
        AgencyOut(
            id=a.pk,
            code=a.code,
            name=a.name,
            kind=a.kind,
            parent_code=a.parent.code if a.parent else None,
            valid_to=a.valid_to,
            successor_code=a.successor.code if a.successor else None,
        )
        for a in rows
    ]


@api.get(
    "/programs", response=list[ProgramOut], tags=["Chương trình"], openapi_extra=ERRORS
)
@paginate(Pagination)
def programs(request: HttpRequest):
    return [
        ProgramOut(
            id=p.pk, code=p.code, title=p.title, audience=p.audience, hours=p.hours
        )
        for p in ProgramPage.objects.order_by("code")
    ]


@api.get(
    "/figures/agencies",
    response=list[AgencyFiguresOut],
    tags=["Số liệu"],
    openapi_extra=FIGURE_ERRORS,
)
@paginate(Pagination)
def agency_figures(
    request: HttpRequest,
    kind: str | None = Query(None, pattern=f"^({_KINDS})$"),
    program: str | None = Query(None, max_length=10),
):
    program_id = _program_id(program)
    figures = selectors.province_figures(kind=kind, program_id=program_id)
    return [
        AgencyFiguresOut(**_figures(r))
        for r in sorted(figures.agencies, key=lambda r: r.code)
    ]


@api.get(
    "/figures/province",
    response=ProvinceFiguresOut,
    tags=["Số liệu"],
    openapi_extra=FIGURE_ERRORS,
)
def province(request: HttpRequest, program: str | None = Query(None, max_length=10)):
    figures = selectors.province_figures(program_id=_program_id(program))
    totals = figures.totals
    return ProvinceFiguresOut(
        as_of=figures.as_of,
        **{k: totals[k] for k in ProvinceFiguresOut.model_fields if k != "as_of"},
    )


def _program_id(code: str | None) -> int | None:
    if not code:
        return None
    program = ProgramPage.objects.filter(code=code.upper()).first()
    if program is None:
        raise HttpError(404, "Không có chương trình này")
    return program.pk


def _figures(row: selectors.AgencyRow) -> dict:
    return {k: getattr(row, k) for k in AgencyFiguresOut.model_fields}


@api.get(
    "/certificates/{serial}",
    response={200: CertificateOut, 404: Message},
    tags=["Giấy chứng nhận"],
    openapi_extra=ERRORS,
)
def certificate_verify(request: HttpRequest, serial: str):
    from certificates.selectors import certificate_by_serial

    certificate = certificate_by_serial(serial=serial[:64])
    if certificate is None:
        return Status(404, Message(detail="Không tìm thấy giấy chứng nhận"))
    return Status(
        200,
        CertificateOut(
            serial=certificate.serial,
            holder_name=certificate.holder_name,
            agency_name=certificate.agency_name,
            title=certificate.title,
            issued_on=certificate.issued_on,
            status=certificate.status,
            status_changed_at=certificate.status_changed_at,
            pdf_sha256=certificate.pdf_sha256,
        ),
    )

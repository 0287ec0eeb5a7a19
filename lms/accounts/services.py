"""Writes for accounts: consent, profile, agency moves, role assignment, and the
self sign-up requests that an agency's manager approves or rejects."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import get_connection, send_mail, send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.accounts.models import (
    AgencyMembership,
    ConsentRecord,
    OfficerProfile,
    SignupRequest,
    User,
)
from lms.accounts.roles import Role
from lms.agencies.models import Agency

logger = logging.getLogger(__name__)


class ConsentRequired(Exception):
    """Personal data may not be stored before the user accepted the current notice."""


@transaction.atomic
def consent_record(*, user: User, version: str | None = None) -> ConsentRecord:
    version = version or settings.PERSONAL_DATA_CONSENT_VERSION
    record, _created = ConsentRecord.objects.get_or_create(user=user, version=version)
    if user.consent_version != version:
        user.consent_version = version
        user.save(update_fields=["consent_version"])
    return record


def _ensure_consent(user: User) -> None:
    if not user.has_current_consent:
        raise ConsentRequired(
            "Bạn cần đồng ý với thông báo xử lý dữ liệu cá nhân trước khi lưu hồ sơ."
        )


@transaction.atomic
def officer_move(*, user: User, agency: Agency) -> AgencyMembership:
    """Close the officer's open membership and open one at `agency`."""
    now = timezone.now()
    current = AgencyMembership.objects.filter(user=user, ended_at__isnull=True).first()
    if current and current.agency_id == agency.pk:
        return current
    if current:
        current.ended_at = now
        current.save(update_fields=["ended_at"])
    OfficerProfile.objects.update_or_create(user=user, defaults={"agency": agency})
    return AgencyMembership.objects.create(user=user, agency=agency, started_at=now)


@transaction.atomic
def profile_update(
    *,
    user: User,
    full_name: str,
    position: str,
    agency: Agency | None = None,
    require_consent: bool = True,
) -> OfficerProfile:
    """Save an officer's own profile. `require_consent=False` is for roster imports
    by the agency, which process staff data under their own legal basis."""
    if require_consent:
        _ensure_consent(user)
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    profile, _created = OfficerProfile.objects.update_or_create(
        user=user, defaults={"position": position}
    )
    if agency is not None and profile.agency_id != agency.pk:
        officer_move(user=user, agency=agency)
        profile.refresh_from_db()
    return profile


def role_grant(*, user: User, role: Role) -> None:
    user.groups.add(Group.objects.get(name=role))
    if role in (Role.INSTRUCTOR, Role.DOST_ADMIN) and not user.is_staff:
        # Wagtail admin needs staff status besides its access_admin permission.
        user.is_staff = True
        user.save(update_fields=["is_staff"])


# --- Self sign-up ---------------------------------------------------------------------
class SignupDecisionRefused(Exception):
    """The request cannot be decided as asked; the message is for the manager."""


@transaction.atomic
def signup_request_create(
    *,
    user: User,
    full_name: str,
    agency: Agency,
    position: str,
    is_data_focal_point: bool,
) -> SignupRequest:
    """Park a just-created allauth account until the agency's manager approves it.

    The consent given on the form is recorded the same way as at first login, so
    the approved officer is not asked again.
    """
    user.full_name = full_name
    user.is_active = False
    user.save(update_fields=["full_name", "is_active"])
    consent_record(user=user)
    signup = SignupRequest.objects.create(
        user=user,
        agency=agency,
        position=position,
        is_data_focal_point=is_data_focal_point,
    )
    transaction.on_commit(
        lambda: signup_request_notify(signup_id=signup.pk), robust=True
    )
    return signup


def _signup_locked(signup: SignupRequest) -> tuple[SignupRequest, User]:
    """The row, locked, and its account if it is still pending (two managers may
    click at once)."""
    locked = (
        SignupRequest.objects.select_for_update(of=("self",))
        .select_related("agency", "user")
        .get(pk=signup.pk)
    )
    if not locked.is_pending or locked.user is None or locked.user.anonymised_at:
        raise SignupDecisionRefused(_("Yêu cầu đăng ký này đã được xử lý trước đó."))
    return locked, locked.user


def _signup_decided(signup: SignupRequest, *, by: User, status: str) -> None:
    signup.status = status
    signup.decided_by = by
    signup.decided_at = timezone.now()


@transaction.atomic
def signup_request_approve(*, signup: SignupRequest, by: User) -> User:
    """Activate the account and make it an officer of the requested agency, the
    way a roster import does: profile, membership, then the targets' requirements
    and enrolments (tracking's profile receiver, synced once at the end)."""
    from lms.accounts.privacy import personal_data_access_record
    from lms.tracking.receivers import officer_sync_deferred

    signup, user = _signup_locked(signup)
    agency = signup.agency
    if not agency.is_current():
        raise SignupDecisionRefused(
            _(
                "Đơn vị %(agency)s đã hết hiệu lực (sáp nhập, giải thể) nên không "
                "thể phê duyệt. Hãy từ chối để cán bộ đăng ký lại với đơn vị mới."
            )
            % {"agency": agency.name}
        )
    user.is_active = True
    user.save(update_fields=["is_active"])
    with officer_sync_deferred():
        OfficerProfile.objects.update_or_create(
            user=user,
            defaults={
                "position": signup.position,
                "is_data_focal_point": signup.is_data_focal_point,
            },
        )
        officer_move(user=user, agency=agency)
    _signup_decided(signup, by=by, status=SignupRequest.Status.APPROVED)
    signup.save(update_fields=["status", "decided_by", "decided_at"])
    personal_data_access_record(
        user=by,
        action="signup_approve",
        description=f"Phê duyệt yêu cầu đăng ký #{signup.pk} "
        f"({user.username}) vào {agency.code}",
        subjects=[user],
    )
    transaction.on_commit(lambda: _signup_approved_mail(user_id=user.pk), robust=True)
    return user


@transaction.atomic
def signup_request_reject(*, signup: SignupRequest, by: User, reason: str) -> None:
    """Refuse the request: tell the person why and delete the account, so its
    e-mail address and username are free for a corrected request. The request
    row keeps the decision and the reason, not who the person was."""
    from lms.tracking.services import access_log_record

    signup, user = _signup_locked(signup)
    recipient = (user.email, user.get_full_name())
    _signup_decided(signup, by=by, status=SignupRequest.Status.REJECTED)
    signup.reason = reason
    signup.position = ""
    signup.user = None
    signup.save()
    access_log_record(
        user=by,
        action="signup_reject",
        description=f"Từ chối yêu cầu đăng ký #{signup.pk} vào {signup.agency.code}",
    )
    user.delete()
    transaction.on_commit(
        lambda: _signup_rejected_mail(
            email=recipient[0], name=recipient[1], signup=signup
        ),
        robust=True,
    )


# --- Sign-up e-mails --------------------------------------------------------------------
# Sent after the commit (a failing mail server must not undo a decision) and in the
# site's language, whoever's click sent them.
def signup_request_notify(*, signup_id: int) -> int:
    """Tell the agency's managers (or, if it has none, the DOST admins) that a
    request waits for them; returns how many e-mails were sent."""
    from lms.accounts.selectors import signup_approvers

    signup = (
        SignupRequest.objects.select_related("agency", "user")
        .filter(pk=signup_id, status=SignupRequest.Status.PENDING)
        .first()
    )
    if signup is None or signup.user is None:
        return 0
    recipients = signup_approvers(agency=signup.agency)
    if not recipients:
        logger.warning("signup request %s: nobody to approve it", signup_id)
        return 0
    path = reverse("tracking:signup_requests", args=[signup.agency_id])
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Yêu cầu đăng ký tài khoản chờ phê duyệt: %(name)s") % {
            "name": signup.user.get_full_name()
        }
        body = _(
            "Cán bộ {name} ({email}), chức vụ “{position}”, đã đăng ký tài khoản "
            "Học viện Dữ liệu và chọn đơn vị {agency}.\n\n"
            "Đề nghị đồng chí xem và phê duyệt hoặc từ chối tại:\n{url}\n\n"
            "Học viện Dữ liệu tỉnh Bắc Ninh"
        ).format(
            name=signup.user.get_full_name(),
            email=signup.user.email,
            position=signup.position or "—",
            agency=signup.agency.name,
            url=settings.SITE_URL + path,
        )
    messages = [
        (subject, body, settings.DEFAULT_FROM_EMAIL, [r.email]) for r in recipients
    ]
    with get_connection() as connection:
        return send_mass_mail(messages, connection=connection)


def _signup_approved_mail(*, user_id: int) -> None:
    user = User.objects.select_related("profile__agency").get(pk=user_id)
    if not user.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "Kính gửi {name},\n\nYêu cầu đăng ký tài khoản Học viện Dữ liệu của "
            "đồng chí đã được phê duyệt. Đơn vị: {agency}.\n"
            "Tên đăng nhập: {username}\n\nĐăng nhập tại:\n{url}\n\n"
            "Học viện Dữ liệu tỉnh Bắc Ninh"
        ).format(
            name=user.get_full_name(),
            agency=user.profile.agency.name,
            username=user.username,
            url=settings.SITE_URL + reverse("account_login"),
        )
        subject = _("Tài khoản Học viện Dữ liệu đã được phê duyệt")
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _signup_rejected_mail(*, email: str, name: str, signup: SignupRequest) -> None:
    if not email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        if settings.ACCOUNT_SIGNUP_OPEN:
            again = _(
                "Nếu thông tin đăng ký chưa đúng, đồng chí có thể đăng ký lại tại:\n{url}"
            ).format(url=settings.SITE_URL + reverse("account_signup"))
        else:
            # Sign-up is closed: the link would only lead to "sign-up closed".
            again = _(
                "Nếu thông tin đăng ký chưa đúng, đề nghị đồng chí liên hệ quản lý "
                "đơn vị để được cấp tài khoản."
            )
        body = _(
            "Kính gửi {name},\n\nYêu cầu đăng ký tài khoản Học viện Dữ liệu của "
            "đồng chí tại đơn vị {agency} không được phê duyệt.\nLý do: {reason}\n\n"
            "Tài khoản đã được xóa. {again}\n\nHọc viện Dữ liệu tỉnh Bắc Ninh"
        ).format(
            name=name,
            agency=signup.agency.name,
            reason=signup.reason,
            again=again,
        )
        subject = _("Yêu cầu đăng ký tài khoản Học viện Dữ liệu không được phê duyệt")
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])

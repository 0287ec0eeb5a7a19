from __future__ import annotations

import unicodedata

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from lms.accounts.models import User
from lms.agencies.models import Agency


def _consent_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("Tôi đã đọc và đồng ý với thông báo xử lý dữ liệu cá nhân."),
        error_messages={"required": _("Bạn cần đánh dấu ô đồng ý để tiếp tục.")},
    )


class ConsentForm(forms.Form):
    accept = _consent_field()


class SignupForm(AllauthSignupForm):
    """Self sign-up (ACCOUNT_FORMS): allauth's e-mail, username and password, plus
    the agency the officer works for, their job and the personal-data consent. The
    account waits for the agency's manager (services.signup_request_create)."""

    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=150,
        error_messages={"required": _("Vui lòng nhập họ và tên.")},
    )
    agency = forms.TypedChoiceField(
        label=_("Cơ quan, đơn vị công tác"),
        coerce=int,
        help_text=_("Quản lý của đơn vị này sẽ phê duyệt tài khoản."),
        error_messages={
            "invalid_choice": _(
                "Đơn vị đã chọn không tồn tại hoặc đã hết hiệu lực (sáp nhập, giải "
                "thể). Vui lòng chọn lại trong danh sách."
            ),
            "required": _("Vui lòng chọn cơ quan, đơn vị công tác."),
        },
    )
    position = forms.CharField(
        label=_("Chức vụ / vị trí việc làm"), max_length=150, required=False
    )
    is_data_focal_point = forms.BooleanField(
        label=_("Tôi là cán bộ đầu mối dữ liệu của đơn vị"), required=False
    )
    accept = _consent_field()

    field_order = [
        "full_name",
        "email",
        "username",
        "password1",
        "password2",
        "agency",
        "position",
        "is_data_focal_point",
        "accept",
    ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        from lms.accounts.selectors import signup_agency_choices

        super().__init__(*args, **kwargs)
        # Read per form, not per process: agencies merge and open during the year.
        self.fields["agency"].choices = [
            ("", _("— Chọn đơn vị —")),
            *signup_agency_choices(),
        ]

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Vui lòng nhập họ và tên."))
        return unicodedata.normalize("NFC", name)

    def clean_position(self) -> str:
        return unicodedata.normalize(
            "NFC", " ".join(self.cleaned_data["position"].split())
        )

    def clean_agency(self) -> Agency:
        # The choices were read a moment ago; read the row itself, still current.
        agency = Agency.objects.current().filter(pk=self.cleaned_data["agency"]).first()
        if agency is None:
            raise forms.ValidationError(
                self.fields["agency"].error_messages["invalid_choice"]
            )
        return agency

    def save(self, request: HttpRequest) -> User:
        # One transaction: the account, its e-mail address, consent and request
        # exist together or not at all.
        with transaction.atomic():
            return super().save(request)

    def signup(self, request: HttpRequest, user: User) -> None:
        from lms.accounts.services import signup_request_create

        data = self.cleaned_data
        signup_request_create(
            user=user,
            full_name=data["full_name"],
            agency=data["agency"],
            position=data["position"],
            is_data_focal_point=data["is_data_focal_point"],
        )


class SignupRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do từ chối"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Vui lòng nhập lý do từ chối.")},
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    position = forms.CharField(
        label=_("Chức vụ / vị trí việc làm"), max_length=150, required=False
    )

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Vui lòng nhập họ và tên."))
        return name


class CorrectionRequestForm(forms.Form):
    """An officer's request to correct their data (Law 91/2025)."""

    field = forms.ChoiceField(label=_("Thông tin cần đính chính"))
    requested_value = forms.CharField(label=_("Giá trị đúng"), max_length=255)
    note = forms.CharField(
        label=_("Ghi chú (căn cứ, giấy tờ kèm theo nếu có)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        from lms.accounts.models import CorrectionRequest

        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["field"].choices = CorrectionRequest.Field.choices

    def clean(self) -> dict:
        from lms.accounts.privacy import (
            correction_current_value,
            correction_value_clean,
        )

        data = super().clean()
        field, value = data.get("field"), data.get("requested_value")
        if not field or value is None:
            return data
        try:
            data["requested_value"] = correction_value_clean(field=field, value=value)
        except forms.ValidationError as exc:
            self.add_error("requested_value", exc)
            return data
        current = correction_current_value(user=self.user, field=field)
        if field == "email":
            current = current.lower()
        if data["requested_value"] == current:
            self.add_error(
                "requested_value",
                _("Giá trị đề nghị trùng với thông tin đang lưu."),
            )
        return data

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.imports import MAX_FILE_BYTES
from certificates.models import Certificate
from certificates.rendering import normalise_name
from courses.models import CoursePage, ProgramPage
from lms.accounts.models import User
from lms.agencies.models import Agency

# A certificate PDF is ~50 KB; anything far larger cannot be one of ours.
MAX_CHECK_BYTES = 2 * 1024 * 1024


class PdfCheckForm(forms.Form):
    file = forms.FileField(label=_("Tệp PDF cần kiểm tra"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CHECK_BYTES:
            raise forms.ValidationError(
                _("Tệp lớn hơn 2 MB, không thể là giấy chứng nhận.")
            )
        return upload


class SerialLookupForm(forms.Form):
    serial = forms.CharField(
        label=_("Số hiệu giấy chứng nhận"),
        max_length=32,
        widget=forms.TextInput(attrs={"placeholder": "BN-2026-000123"}),
    )


def _achievement_choices() -> list[tuple[str, Any]]:
    programs = [
        (f"program:{p.pk}", f"{p.code} — {p.title}")
        for p in ProgramPage.objects.order_by("code")
    ]
    courses = [
        (f"course:{c.pk}", c.title) for c in CoursePage.objects.order_by("title")
    ]
    return [
        ("", "—"),
        (_("Chương trình"), programs),
        (_("Khóa học"), courses),
    ]


def achievement_parse(value: str) -> tuple[CoursePage | None, ProgramPage | None]:
    kind, _sep, pk = value.partition(":")
    if not pk.isdigit():
        return None, None
    if kind == "course":
        return CoursePage.objects.filter(pk=pk).first(), None
    if kind == "program":
        return None, ProgramPage.objects.filter(pk=pk).first()
    return None, None


class ManualIssueForm(forms.Form):
    username = forms.CharField(
        label=_("Tên đăng nhập"),
        required=False,
        max_length=150,
        help_text=_("Để trống nếu người học chưa có tài khoản."),
    )
    full_name = forms.CharField(label=_("Họ và tên"), required=False, max_length=1000)
    agency = forms.ModelChoiceField(
        label=_("Cơ quan, đơn vị"), queryset=Agency.objects.all(), required=False
    )
    achievement = forms.ChoiceField(label=_("Khóa học hoặc chương trình"))
    issued_on = forms.DateField(
        label=_("Ngày cấp"), widget=forms.DateInput(attrs={"type": "date"})
    )
    score = forms.DecimalField(
        label=_("Điểm"), required=False, min_value=0, max_value=100, decimal_places=2
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["achievement"].choices = _achievement_choices()
        self.fields["issued_on"].initial = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        username, full_name = data.get("username"), data.get("full_name")
        data["user"] = None
        if username:
            data["user"] = User.objects.filter(username__iexact=username).first()
            if data["user"] is None:
                self.add_error("username", _("Không có tài khoản này."))
        elif not full_name:
            self.add_error("full_name", _("Cần tên đăng nhập hoặc họ và tên."))
        elif not data.get("agency"):
            self.add_error(
                "agency", _("Cần chọn đơn vị khi người học chưa có tài khoản.")
            )
        if full_name:
            try:
                data["full_name"] = normalise_name(full_name)
            except ValueError as exc:
                self.add_error("full_name", str(exc))
        if data.get("achievement"):
            data["course"], data["program"] = achievement_parse(data["achievement"])
            if data["course"] is None and data["program"] is None:
                self.add_error(
                    "achievement", _("Không có khóa học hoặc chương trình này.")
                )
        issued_on = data.get("issued_on")
        if issued_on and issued_on > timezone.localdate():
            self.add_error("issued_on", _("Ngày cấp không được ở tương lai."))
        return data


class BatchUploadForm(forms.Form):
    file = forms.FileField(label=_("Danh sách (.xlsx)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("Tệp lớn hơn 5 MB."))
        return upload


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do thu hồi"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReissueForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên đúng"), max_length=1000)

    def clean_full_name(self) -> str:
        try:
            return normalise_name(self.cleaned_data["full_name"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class RegisterFilterForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Đơn vị"), queryset=Agency.objects.all(), required=False
    )
    achievement = forms.ChoiceField(label=_("Khóa học / chương trình"), required=False)
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Tất cả"))] + list(Certificate.Status.choices),
    )
    issued_from = forms.DateField(
        label=_("Cấp từ ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    issued_to = forms.DateField(
        label=_("đến ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    q = forms.CharField(label=_("Họ tên hoặc số hiệu"), required=False, max_length=120)

    def __init__(self, *args: Any, with_agency: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["achievement"].choices = _achievement_choices()
        if not with_agency:
            del self.fields["agency"]

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import ProgramPage
from lms.agencies.models import Agency
from lms.tracking.models import Target
from lms.tracking.rosters import MAX_FILE_BYTES


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp danh sách cán bộ (.xlsx hoặc .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    agency = forms.ModelChoiceField(
        label=_("Đơn vị"), queryset=Agency.objects.none(), required=False
    )
    send_invitations = forms.BooleanField(
        label=_("Gửi email mời đăng nhập cho cán bộ mới"), required=False, initial=True
    )

    def __init__(self, *args: object, any_agency: bool = False, **kwargs: object):
        super().__init__(*args, **kwargs)
        if any_agency:
            self.fields["agency"].queryset = Agency.objects.current()
            self.fields["agency"].required = True
        else:
            del self.fields["agency"]

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("Tệp quá lớn; tối đa %(mb)s MB.") % {"mb": MAX_FILE_BYTES // 1048576}
            )
        name = upload.name.lower()
        if not (name.endswith(".xlsx") or name.endswith(".csv")):
            raise forms.ValidationError(_("Chỉ nhận tệp .xlsx hoặc .csv."))
        return upload


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = [
            "name",
            "program",
            "agency_kind",
            "agency",
            "focal_points_only",
            "it_officers_only",
            "position_contains",
            "deadline",
        ]
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = ProgramPage.objects.order_by("code")
        self.fields["program"].label_from_instance = lambda p: f"{p.code} — {p.title}"
        self.fields["agency"].queryset = Agency.objects.current()
        self.fields["agency_kind"].required = False

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("agency_kind") and not data.get("agency"):
            raise forms.ValidationError(
                _("Chọn loại đơn vị hoặc một đơn vị cụ thể mà chỉ tiêu áp dụng.")
            )
        return data

    def clean_deadline(self) -> datetime.date:
        deadline = self.cleaned_data["deadline"]
        if deadline.year < 2025 or deadline.year > 2100:
            raise forms.ValidationError(_("Hạn chót không hợp lệ."))
        return deadline


class MonthForm(forms.Form):
    month = forms.CharField(label=_("Tháng (yyyy-mm)"), max_length=7)

    def clean_month(self) -> datetime.date:
        raw = self.cleaned_data["month"].strip()
        try:
            return datetime.date.fromisoformat(raw + "-01")
        except ValueError:
            raise forms.ValidationError(
                _("Nhập tháng dạng yyyy-mm, ví dụ 2026-10.")
            ) from None

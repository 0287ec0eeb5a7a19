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
        fields = ["name", *Target.SCOPE_FIELDS]
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


class AssignForm(forms.Form):
    """An agency manager (or DOST admin) assigns a course or a whole program to
    officers of one agency, with a deadline."""

    WHO_ALL, WHO_FOCAL, WHO_SELECTED = "all", "focal", "selected"

    what = forms.ChoiceField(label=_("Giao khóa học hoặc chương trình"))
    deadline = forms.DateField(
        label=_("Hạn chót"), widget=forms.DateInput(attrs={"type": "date"})
    )
    who = forms.ChoiceField(
        label=_("Giao cho"),
        widget=forms.RadioSelect,
        initial=WHO_SELECTED,
        choices=[
            (WHO_ALL, _("Tất cả cán bộ của đơn vị")),
            (WHO_FOCAL, _("Các đầu mối dữ liệu của đơn vị")),
            (WHO_SELECTED, _("Những cán bộ được chọn dưới đây")),
        ],
    )
    officers = forms.MultipleChoiceField(
        label=_("Cán bộ"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, agency: Agency, **kwargs: object):
        from courses.models import CoursePage
        from lms.accounts.models import OfficerProfile

        super().__init__(*args, **kwargs)
        self.agency = agency
        # All live courses in one query, grouped under their program below.
        courses: dict[int, list] = {}
        for course in (
            CoursePage.objects.live().order_by("path").only("id", "title", "program_id")
        ):
            courses.setdefault(course.program_id, []).append(course)
        choices: list = []
        for program in ProgramPage.objects.live().order_by("code"):
            group = [
                (
                    f"p:{program.pk}",
                    _("Cả chương trình %(code)s") % {"code": program.code},
                )
            ]
            group += [(f"c:{c.pk}", c.title) for c in courses.get(program.pk, [])]
            choices.append((f"{program.code} — {program.title}", group))
        self.fields["what"].choices = [("", "—")] + choices
        self.profiles = list(
            OfficerProfile.objects.filter(agency=agency, user__is_active=True)
            .select_related("user")
            .order_by("user__full_name", "user__username")
        )
        self.fields["officers"].choices = [
            (str(p.user_id), f"{p.user.get_full_name()} — {p.position}".rstrip(" —"))
            for p in self.profiles
        ]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("who") == self.WHO_SELECTED and not data.get("officers"):
            raise forms.ValidationError(_("Hãy chọn ít nhất một cán bộ."))
        return data

    def target(self) -> dict:
        """`course=` or `program=` for `enrolment_assign`."""
        from courses.models import CoursePage

        kind, _sep, pk = self.cleaned_data["what"].partition(":")
        if kind == "p":
            return {"program": ProgramPage.objects.live().get(pk=int(pk))}
        return {"course": CoursePage.objects.live().get(pk=int(pk))}

    def users(self) -> list:
        who = self.cleaned_data["who"]
        if who == self.WHO_ALL:
            return [p.user for p in self.profiles]
        if who == self.WHO_FOCAL:
            return [p.user for p in self.profiles if p.is_data_focal_point]
        chosen = set(self.cleaned_data["officers"])
        return [p.user for p in self.profiles if str(p.user_id) in chosen]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Tên hệ thống sử dụng khóa"),
        max_length=150,
        help_text=_("Ví dụ: Nền tảng LGSP tỉnh Bắc Ninh"),
        error_messages={"required": _("Hãy nhập tên hệ thống.")},
    )

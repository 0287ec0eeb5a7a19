from django import forms
from django.utils.translation import gettext_lazy as _


class ConsentForm(forms.Form):
    accept = forms.BooleanField(
        label=_("Tôi đã đọc và đồng ý với thông báo xử lý dữ liệu cá nhân."),
        error_messages={"required": _("Bạn cần đánh dấu ô đồng ý để tiếp tục.")},
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

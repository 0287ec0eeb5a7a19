from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _sync_roles(sender: AppConfig, **kwargs: object) -> None:
    # Run once, after the last app's permissions exist.
    if sender.label != list(apps.get_app_configs())[-1].label:
        return
    from lms.accounts.roles import roles_sync

    roles_sync()


class AccountsConfig(AppConfig):
    name = "lms.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, dispatch_uid="lms.accounts.sync_roles")
        from lms.accounts.retention import purge_schedule_ensure_after_migrate

        post_migrate.connect(
            purge_schedule_ensure_after_migrate,
            sender=self,
            dispatch_uid="accounts_purge_schedule_ensure",
        )
        from django.contrib.auth.signals import user_logged_in

        from lms.accounts.mfa import mfa_session_mark

        user_logged_in.connect(mfa_session_mark, dispatch_uid="lms.accounts.mfa")

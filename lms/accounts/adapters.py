from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts normally come from the agency's roster import; self sign-up is an
        # opt-in for pilots.
        return settings.ACCOUNT_SIGNUP_OPEN

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        # Why: JupyterHub keeps its own login cookie; without this hop a learner who
        # logs out on a shared computer would leave JupyterLab open to the next person.
        from labs import hub

        if request.session.get(hub.SESSION_OPENED_KEY) and hub.hub_available():
            return hub.logout_url()
        return super().get_logout_redirect_url(request)

    def logout(self, request: HttpRequest) -> None:
        user = request.user
        super().logout(request)
        if user.is_authenticated:
            from labs.hub_services import hub_tokens_revoke

            hub_tokens_revoke(user=user)

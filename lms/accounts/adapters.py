from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts normally come from the agency's roster import; self sign-up is an
        # opt-in for pilots.
        return settings.ACCOUNT_SIGNUP_OPEN

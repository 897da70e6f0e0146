from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """People join coprod by invitation from a facilitator, so there is no open sign-up page."""

    def is_open_for_signup(self, request):
        return False

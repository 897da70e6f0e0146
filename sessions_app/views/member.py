"""Being written: each view below is a placeholder until its area lands."""

from django.http import HttpResponse
from django.views import View


class _Placeholder(View):
    def get(self, request, *args, **kwargs):
        return HttpResponse(status=501)


class SessionDetailView(_Placeholder):
    pass


class AnswerView(_Placeholder):
    pass


class SupportRequestView(_Placeholder):
    pass


class SupportRequestWithdrawView(_Placeholder):
    pass


class SessionIcsView(_Placeholder):
    pass


class CalendarSettingsView(_Placeholder):
    pass


class CalendarFeedView(_Placeholder):
    pass


class SelfCheckInView(_Placeholder):
    pass

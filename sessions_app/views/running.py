"""Being written: each view below is a placeholder until its area lands."""

from django.http import HttpResponse
from django.views import View


class _Placeholder(View):
    def get(self, request, *args, **kwargs):
        return HttpResponse(status=501)


class CheckInScreenView(_Placeholder):
    pass


class DebriefView(_Placeholder):
    pass


class RecordOutcomesView(_Placeholder):
    pass


class SupportQueueView(_Placeholder):
    pass


class SupportDecideView(_Placeholder):
    pass


class FollowUpQueueView(_Placeholder):
    pass


class FollowUpCloseView(_Placeholder):
    pass


class GroupTimelineView(_Placeholder):
    pass


class ActionStatusView(_Placeholder):
    pass

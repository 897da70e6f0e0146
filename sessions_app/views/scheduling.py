"""Being written: each view below is a placeholder until its area lands."""

from django.http import HttpResponse
from django.views import View


class _Placeholder(View):
    def get(self, request, *args, **kwargs):
        return HttpResponse(status=501)


class GroupSessionsView(_Placeholder):
    pass


class SessionCreateView(_Placeholder):
    pass


class GlossaryView(_Placeholder):
    pass


class SessionEditView(_Placeholder):
    pass


class SessionPublishView(_Placeholder):
    pass


class SessionCancelView(_Placeholder):
    pass


class PreparationAddView(_Placeholder):
    pass


class FacilitatorWithdrawView(_Placeholder):
    pass


class FacilitatorJoinView(_Placeholder):
    pass


class VenueListView(_Placeholder):
    pass

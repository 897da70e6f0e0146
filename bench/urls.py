"""The site's URLs plus /bench/floor/, the floor every page is measured against (bench settings only).

The floor view runs one simple query and renders a tiny template through the same middleware, so a page's ratio
to it is what the page itself costs beyond Django's fixed overhead on the same server in the same run."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from coprod.urls import urlpatterns as site_urlpatterns
from groups.models import Organisation

FLOOR_TEMPLATE = engines["django"].from_string(
    "<!doctype html><html lang='en'><title>Floor</title><p>{{ name|default:'No organisation' }}</p></html>"
)


def floor(request):
    name = Organisation.objects.order_by("pk").values_list("name", flat=True).first()
    return HttpResponse(FLOOR_TEMPLATE.render({"name": name}, request))


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *site_urlpatterns]

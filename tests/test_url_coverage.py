"""The URL-coverage check (tests/url_coverage.py) names every pattern the permission tests never requested."""

import pytest

from tests.url_coverage import Pattern, Recorder, missing_patterns, project_patterns, report


def routes():
    return {p.route for p in project_patterns()}


def test_the_project_patterns_are_ours_without_the_admin_site_or_allauths_pages():
    found = routes()

    assert "sessions/<int:session_id>/edit/" in found
    assert "groups/<int:group_id>/" in found
    assert "" in found  # home
    assert not any(route.startswith(("admin/", "accounts/")) for route in found)


def test_a_pattern_never_requested_is_named():
    everything_but_one = routes() - {"sessions/<int:session_id>/debrief/"}

    missing = missing_patterns(everything_but_one)

    assert missing == [Pattern(route="sessions/<int:session_id>/debrief/", name="sessions_app:debrief")]
    assert "sessions/<int:session_id>/debrief/  (sessions_app:debrief)" in report(missing)


def test_nothing_is_missing_when_every_pattern_was_requested():
    assert missing_patterns(routes()) == []


def test_an_allowed_pattern_may_go_unrequested():
    allowed = {"sessions/<int:session_id>/debrief/": "reason"}

    assert missing_patterns(routes() - {"sessions/<int:session_id>/debrief/"}, allowed=allowed) == []


def test_fake_patterns_and_requests():
    patterns = [Pattern("a/", "a"), Pattern("b/<int:id>/", "b"), Pattern("c/", "c")]

    assert missing_patterns({"a/"}, patterns, allowed={"c/": "why"}) == [Pattern("b/<int:id>/", "b")]


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/sessions/12/edit/", "sessions/<int:session_id>/edit/"),
        ("/groups/3/members/", "groups/<int:group_id>/members/"),
        ("/", ""),
    ],
)
def test_a_request_is_recorded_by_the_route_it_resolved_to(path, route):
    recorder = Recorder()

    recorder.record(path)

    assert recorder.routes == {route}


def test_a_path_that_resolves_to_nothing_is_not_recorded():
    recorder = Recorder()

    recorder.record("/no/such/page/")

    assert recorder.routes == set()

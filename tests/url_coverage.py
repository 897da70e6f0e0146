"""URL coverage (as Zulip's test run does): every URL pattern of the project is requested at least once by the
permission tests, or the run fails.

The permission tests are every test in a file named `test_permissions*.py` under `tests/`, the per-URL
permission tests that live beside the views' other tests (listed in `PERMISSION_TESTS` below), and any other test
marked `@pytest.mark.permissions`; the first two are given the marker here, so `-m permissions` runs the set.
While one of them runs, each request made through Django's test client is recorded by the route it resolved to.
At the end of a run that included the whole permission set (no file of it left out, none of its tests deselected
by `-k`, `-m` or `--deselect`, none of them picked by `file::test`, and all of them run), the run fails if a
pattern was never requested, naming each one. A run of part of the suite skips the check.

Left out of the check: the admin site (Django's), allauth's own pages (allauth's), and `ALLOWED_UNTESTED` below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

MARKER = "permissions"
FILE_GLOB = "test_permissions*.py"

# Per-URL permission tests inside the view test files: file (from the project root) -> test function names.
# A name listed here that its file no longer has fails the run, so a rename cannot drop coverage unseen.
PERMISSION_TESTS: dict[str, set[str]] = {
    "tests/groups/test_audit_trail_page.py": {
        "test_only_the_organisations_admins_see_its_trail",
        "test_an_organisation_that_does_not_exist_is_not_found",
        "test_the_page_closes_when_the_admin_role_ends",
    },
    "tests/sessions_app/test_scheduling_views.py": {
        "test_each_page_answers_each_role",
        "test_each_page_sends_anonymous_visitors_to_sign_in",
        "test_refused_posts_change_nothing",
        "test_venues_anonymous_visitors_sign_in",
        "test_venues_are_refused_to_people_without_an_admin_or_facilitator_role",
        "test_venues_list_only_the_organisations_own",
    },
    "tests/sessions_app/test_member_views.py": {
        "test_session_views_answer_each_role",
        "test_session_views_send_anonymous_people_to_sign_in",
        "test_drafts_are_seen_only_by_those_who_manage_the_group",
        "test_answer_is_refused_to_everyone_but_members_and_changes_nothing",
        "test_support_form_post_is_refused_and_saves_nothing",
        "test_only_the_person_who_asked_can_withdraw_their_request",
        "test_calendar_settings_open_to_anyone_signed_in",
        "test_calendar_settings_need_sign_in",
        "test_self_checkin_post_is_refused_and_records_nothing",
    },
    "tests/sessions_app/test_running_views.py": {
        "test_session_pages_per_role",
        "test_check_in_post_is_refused_without_the_right_and_changes_nothing",
        "test_support_queue_per_role",
        "test_support_decide_page_per_role",
        "test_support_decide_post_is_refused_and_changes_nothing",
        "test_a_missing_object_is_404",
        "test_follow_up_queue_per_role",
        "test_follow_up_close_page_per_role",
        "test_follow_up_close_post_is_refused_and_changes_nothing",
        "test_debrief_post_is_only_for_the_lead_facilitator",
        "test_record_post_is_refused_and_changes_nothing",
        "test_action_status_per_role",
        "test_timeline_per_role",
    },
    "tests/sessions_app/test_governance_views.py": {
        "test_who_may_open_the_governance_pages",
        "test_signed_out_people_are_sent_to_sign_in",
        "test_a_refused_person_does_not_make_the_quorum_record",
    },
}

# route -> why it has no permission test. Keep this short; every entry is a page nobody checks.
ALLOWED_UNTESTED: dict[str, str] = {}

# Included URL modules that are someone else's pages: their permission is not ours to test.
FOREIGN_URLCONFS = ("allauth.", "django.contrib.admin")
FOREIGN_NAMESPACES = ("admin",)


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str


def project_patterns(resolver=None, prefix: str = "") -> list[Pattern]:
    """Every URL pattern of the project as its full route (`sessions/<int:session_id>/edit/`), less the admin site
    and allauth's pages."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            module = getattr(entry.urlconf_module, "__name__", str(entry.urlconf_name))
            if module.startswith(FOREIGN_URLCONFS) or entry.namespace in FOREIGN_NAMESPACES:
                continue
            found.extend(project_patterns(entry, prefix + str(entry.pattern)))
        elif isinstance(entry, URLPattern):
            namespace = ":".join(filter(None, [getattr(resolver, "namespace", None)]))
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            found.append(Pattern(route=prefix + str(entry.pattern), name=name))
    return found


def missing_patterns(
    requested_routes: set[str], patterns: list[Pattern] | None = None, allowed: dict[str, str] | None = None
) -> list[Pattern]:
    """The patterns never requested, less the allowed ones, in the order the URL configuration lists them."""
    patterns = project_patterns() if patterns is None else patterns
    allowed = ALLOWED_UNTESTED if allowed is None else allowed
    return [p for p in patterns if p.route not in requested_routes and p.route not in allowed]


def report(missing: list[Pattern]) -> str:
    lines = [f"URL coverage: {len(missing)} URL pattern(s) never requested by a permission test:"]
    lines += [f"  {p.route}  ({p.name or 'no name'})" for p in missing]
    lines.append(
        "Add a permission test for each (anonymous -> sign-in, outsider -> 404, member without the right -> 403, "
        "right role -> 200), e.g. in tests/test_permissions_urls.py, or list it in ALLOWED_UNTESTED in "
        "tests/url_coverage.py with the reason."
    )
    return "\n".join(lines)


@dataclass
class Recorder:
    recording: bool = False
    routes: set[str] = field(default_factory=set)

    def record(self, path: str) -> None:
        from django.urls import Resolver404, resolve

        try:
            match = resolve(path)
        except Resolver404:
            return
        self.routes.add(match.route)


class UrlCoveragePlugin:
    def __init__(self, config: pytest.Config):
        self.config = config
        self.recorder = Recorder()
        self.tests_root = Path(str(config.rootpath)) / "tests"
        self.whole_files = {p.resolve() for p in self.tests_root.rglob(FILE_GLOB)}
        root = Path(str(config.rootpath))
        self.listed = {(root / name).resolve(): tests for name, tests in PERMISSION_TESTS.items()}
        self.expected_files = self.whole_files | {path for path in self.listed if path.exists()}
        self.stale: list[str] = []
        self.permission_ids: set[str] = set()
        self.ran: set[str] = set()
        self.partial_reasons: list[str] = []
        self.outcome: str | None = None
        self._installed = False

    # --- which tests are permission tests, and was the whole set run ----------------------------------------

    @staticmethod
    def is_permission_test(item: pytest.Item) -> bool:
        return item.get_closest_marker(MARKER) is not None

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session, config, items):
        seen: dict[Path, set[str]] = {}
        for item in items:
            path = Path(str(item.path)).resolve()
            name = getattr(item, "originalname", item.name)
            seen.setdefault(path, set()).add(name)
            if path in self.whole_files or name in self.listed.get(path, ()):
                item.add_marker(MARKER)
        # A listed name its file lacks is only known when the whole file was collected (a full run).
        self.stale += [f"{p.relative_to(self.tests_root.parent)} (no such file)" for p in self.listed if not p.exists()]
        for path, names in self.listed.items():
            self.stale += [
                f"{path.relative_to(self.tests_root.parent)}::{n}" for n in sorted(names - seen.get(path, names))
            ]
        self.permission_ids = {item.nodeid for item in items if self.is_permission_test(item)}
        collected_files = {Path(str(item.path)).resolve() for item in items}
        left_out = sorted(str(p.relative_to(self.tests_root)) for p in self.expected_files - collected_files)
        if left_out:
            self.partial_reasons.append(f"permission test files not collected: {', '.join(left_out)}")
        for arg in config.args:
            if "::" in arg and Path(arg.split("::", 1)[0]).resolve() in self.expected_files:
                self.partial_reasons.append(f"only part of a permission test file was asked for ({arg})")

    def pytest_deselected(self, items):
        dropped = [item.nodeid for item in items if self._is_listed(item)]
        if dropped:
            self.partial_reasons.append(f"{len(dropped)} permission test(s) deselected")

    def _is_listed(self, item) -> bool:
        path = Path(str(item.path)).resolve()
        return path in self.whole_files or getattr(item, "originalname", item.name) in self.listed.get(path, ())

    # --- recording -------------------------------------------------------------------------------------------

    def _install(self) -> None:
        if self._installed:
            return
        from django.test import client as test_client

        recorder = self.recorder
        original = test_client.Client.request

        def request(client, **request_args):
            response = original(client, **request_args)
            if recorder.recording:
                recorder.record(request_args.get("PATH_INFO", "/"))
            return response

        test_client.Client.request = request
        self._installed = True

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        if not self.is_permission_test(item):
            yield
            return
        self._install()
        self.recorder.recording = True
        try:
            yield
        finally:
            self.recorder.recording = False

    def pytest_runtest_logreport(self, report):
        if report.nodeid in self.permission_ids and (report.when == "call" or report.skipped):
            self.ran.add(report.nodeid)

    # --- the verdict -----------------------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session, exitstatus):
        if not self.permission_ids and not self.expected_files:
            return
        if self.stale and not self.partial_reasons:
            self.outcome = "URL coverage: PERMISSION_TESTS in tests/url_coverage.py names tests that do not exist: " + (
                ", ".join(self.stale)
            )
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
            return
        not_run = self.permission_ids - self.ran
        if not_run:
            self.partial_reasons.append(f"{len(not_run)} permission test(s) did not run")
        if self.partial_reasons:
            if self.permission_ids:
                self.outcome = "URL coverage not checked: " + "; ".join(self.partial_reasons) + "."
            return
        missing = missing_patterns(self.recorder.routes)
        if missing:
            self.outcome = report(missing)
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        else:
            self.outcome = f"URL coverage: all {len(project_patterns())} URL patterns requested by permission tests."

    def pytest_terminal_summary(self, terminalreporter):
        if self.outcome:
            failed = self.outcome.startswith("URL coverage: ") and not self.outcome.startswith("URL coverage: all")
            terminalreporter.write_sep("-", "URL coverage", red=failed, bold=failed)
            terminalreporter.write_line(self.outcome)


def pytest_configure(config: pytest.Config) -> None:
    # The `permissions` marker is declared in pyproject.toml (markers are strict).
    config.pluginmanager.register(UrlCoveragePlugin(config), "coprod_url_coverage")

"""
The instructor's Email page, its strings, and the filter steps that put it into both
instructor dashboards; and the settings merge that registers those steps.
"""
import json
import re
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from openedx_filters.learning.filters import InstructorDashboardRenderStarted, InstructorDashboardTabsRequested

import openedx_bulkmail_plugin
from openedx_bulkmail_plugin.dashboard import catalog
from openedx_bulkmail_plugin.dashboard.filters import AddEmailSection, AddEmailTab
from openedx_bulkmail_plugin.settings.common import FILTER_STEPS, merge_filter_steps
from tests import factories

PAGE = f"/bulkmail/courses/{factories.COURSE_KEY}/"
RENDER_STARTED = "org.openedx.learning.instructor.dashboard.render.started.v1"
TABS_REQUESTED = "org.openedx.learning.instructor.dashboard.tabs.requested.v1"
TEMPLATES = Path(openedx_bulkmail_plugin.__file__).parent / "templates"
SCRIPTS = Path(openedx_bulkmail_plugin.__file__).parent / "static/openedx_bulkmail_plugin/email"


@pytest.fixture
def course():
    return factories.course()


@pytest.fixture
def course_staff(course):  # pylint: disable=unused-argument
    person = factories.user(username="ines")
    factories.grant(person, "staff")
    return person


def json_script(response, element_id):
    """The JSON the template rendered into ``<script id=element_id>``."""
    opening = f'<script id="{element_id}" type="application/json">'
    html = response.content.decode()
    start = html.index(opening) + len(opening)
    return json.loads(html[start:html.index("</script>", start)])


# The page: who gets it, and what it carries


@pytest.mark.django_db
def test_page_url_is_named_in_the_plugin_namespace():
    assert reverse("bulkmail:email-page", kwargs={"course_id": str(factories.COURSE_KEY)}) == PAGE


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login_and_back(client, course):  # pylint: disable=unused-argument
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL + "?next=/bulkmail/courses/")


@pytest.mark.django_db
def test_learner_gets_a_403_page_that_says_who_may_send(client, course):  # pylint: disable=unused-argument
    client.force_login(factories.learner())
    response = client.get(PAGE)
    assert response.status_code == 403
    assert "Staff or Admin role" in response.content.decode()


@pytest.mark.django_db
def test_learners_403_page_names_the_platform_in_its_header_and_links_back(client, course):  # pylint: disable=unused-argument
    client.force_login(factories.learner())
    page = client.get(PAGE).content.decode()

    header = page.split('<header class="bm-header">', 1)[1].split("</header>", 1)[0]
    assert settings.PLATFORM_NAME in header
    assert str(factories.COURSE_KEY) in header
    assert f'href="{settings.LMS_ROOT_URL}/courses/{factories.COURSE_KEY}/course/"' in page
    assert f'href="{settings.LMS_ROOT_URL}/dashboard"' in page


@pytest.mark.django_db
def test_beta_tester_gets_the_403_page(client, course):  # pylint: disable=unused-argument
    tester = factories.user()
    factories.grant(tester, "beta_testers")
    client.force_login(tester)
    assert client.get(PAGE).status_code == 403


@pytest.mark.django_db
def test_malformed_course_key_gets_a_404_page(client, course_staff):
    client.force_login(course_staff)
    response = client.get("/bulkmail/courses/not-a-course-key/")
    assert response.status_code == 404
    assert "Course not found" in response.content.decode()


@pytest.mark.django_db
def test_unknown_course_gets_a_404_page_for_global_staff(client):
    client.force_login(factories.user(is_staff=True))
    response = client.get("/bulkmail/courses/course-v1:NoX+None+2026/")
    assert response.status_code == 404
    assert "Course not found" in response.content.decode()


@pytest.mark.django_db
def test_course_staff_gets_the_page_with_its_course(client, course_staff):
    client.force_login(course_staff)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "Test Course" in response.content.decode()


@pytest.mark.django_db
def test_course_admin_gets_the_page(client, course):  # pylint: disable=unused-argument
    admin = factories.user()
    factories.grant(admin, "instructor")
    client.force_login(admin)
    assert client.get(PAGE).status_code == 200


@pytest.mark.django_db
def test_global_staff_gets_the_page(client, course):  # pylint: disable=unused-argument
    client.force_login(factories.user(is_staff=True))
    assert client.get(PAGE).status_code == 200


@pytest.mark.django_db
def test_page_tells_its_script_where_the_course_api_is(client, course_staff):
    client.force_login(course_staff)
    config = json_script(client.get(PAGE), "bulkmail-config")
    assert config["apiRoot"] == f"/api/bulkmail/v1/courses/{factories.COURSE_KEY}/"
    assert config["courseId"] == str(factories.COURSE_KEY)


@pytest.mark.django_db
def test_page_gives_its_script_the_csrf_token_and_sets_the_cookie(client, course_staff):
    client.force_login(course_staff)
    response = client.get(PAGE)
    assert json_script(response, "bulkmail-config")["csrfToken"]
    assert settings.CSRF_COOKIE_NAME in response.cookies


@pytest.mark.django_db
def test_page_may_be_framed_by_the_lms_itself_only(client, course_staff):
    client.force_login(course_staff)
    assert client.get(PAGE)["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.django_db
def test_embedded_page_leaves_out_its_own_header(client, course_staff):
    client.force_login(course_staff)
    assert 'class="bm-header"' in client.get(PAGE).content.decode()
    assert 'class="bm-header"' not in client.get(PAGE + "?embedded=1").content.decode()


@pytest.mark.django_db
def test_page_loads_its_script_as_a_module(client, course_staff):
    client.force_login(course_staff)
    html = client.get(PAGE).content.decode()
    assert '<script type="module" src="/static/openedx_bulkmail_plugin/email/main.js">' in html


@pytest.mark.django_db
def test_message_editor_frame_may_not_run_scripts(client, course_staff):
    client.force_login(course_staff)
    html = client.get(PAGE).content.decode()
    assert 'data-editor-frame sandbox="allow-same-origin"' in html


@pytest.mark.django_db
def test_page_strings_are_rendered_in_the_users_language(client, course_staff):
    client.force_login(course_staff)
    with mock.patch.object(catalog, "_", side_effect=lambda text: f"«{text}»"):
        strings = json_script(client.get(PAGE), "bulkmail-strings")
    assert strings["sendButton"] == "«Send now»"


# The script's strings


def test_every_string_the_script_asks_for_is_in_the_catalog():
    scripts = SCRIPTS.glob("*.js")
    asked = set()
    for script in scripts:
        asked |= set(re.findall(r"\bt(?:\.plural)?\('([a-zA-Z]+)'", script.read_text()))
    with translation.override("en"):
        assert asked - set(catalog.page_strings()) == set()


def test_counted_strings_have_a_form_for_every_plural_category():
    with translation.override("en"):
        forms = catalog.page_strings()["totalPeople"]
    assert set(forms) == {"zero", "one", "two", "few", "many", "other"}


def test_counted_string_uses_the_singular_for_one_in_english():
    with translation.override("en"):
        forms = catalog.page_strings()["totalPeople"]
    assert forms["one"] == "This message will go to %(count)s person."
    assert forms["other"] == "This message will go to %(count)s people."


def test_script_holds_no_user_visible_english():
    """Every label comes from the catalog: no quoted sentence is left in the modules."""
    sentences = []
    for script in SCRIPTS.glob("*.js"):
        code = re.sub(r"/\*\*.*?\*/|//[^\n]*", "", script.read_text(), flags=re.S)
        sentences += re.findall(r"'([A-Z][a-z]+ [a-z]+[^']*)'", code)
    assert sentences == []


# The legacy dashboard's Email section


def run_section_step(context, user=None):
    step = AddEmailSection(RENDER_STARTED, [])
    with mock.patch("crum.get_current_user", return_value=user):
        return step.run_filter(context=context, template_name="instructor/instructor_dashboard_2.html")


@pytest.mark.django_db
def test_section_is_added_with_the_key_and_name_the_dashboard_renders(course, course_staff):
    result = run_section_step({"course": course, "sections": [{"section_key": "course_info"}]}, course_staff)
    section = result["context"]["sections"][-1]
    assert (section["section_key"], section["section_display_name"]) == ("bulkmail_email", "Email")


@pytest.mark.django_db
def test_section_frames_the_embedded_email_page_on_the_dashboards_own_origin(course, course_staff):
    result = run_section_step({"course": course, "sections": []}, course_staff)
    assert result["context"]["sections"][0]["page_url"] == f"{PAGE}?embedded=1"


@pytest.mark.django_db
def test_section_template_exists_where_the_dashboard_includes_it(course, course_staff):
    section = run_section_step({"course": course, "sections": []}, course_staff)["context"]["sections"][0]
    assert (TEMPLATES / f"{section['template_path_prefix']}{section['section_key']}.html").is_file()


@pytest.mark.django_db
def test_section_takes_the_place_of_the_platforms_email_section(course, course_staff):
    sections = [{"section_key": "course_info"}, {"section_key": "send_email"}, {"section_key": "data_download"}]
    result = run_section_step({"course": course, "sections": sections}, course_staff)
    keys = [section["section_key"] for section in result["context"]["sections"]]
    assert keys == ["course_info", "bulkmail_email", "data_download"]


@pytest.mark.django_db
def test_section_is_added_once_when_the_step_runs_twice(course, course_staff):
    context = run_section_step({"course": course, "sections": []}, course_staff)["context"]
    context = run_section_step(context, course_staff)["context"]
    assert [section["section_key"] for section in context["sections"]] == ["bulkmail_email"]


@pytest.mark.django_db
def test_section_is_left_out_while_the_lms_mako_lookup_cannot_find_its_template(course, course_staff):
    with override_settings(MAKO_TEMPLATE_DIRS_BASE=["/edx/app/edxapp/edx-platform/lms/templates"]):
        result = run_section_step({"course": course, "sections": []}, course_staff)
    assert result["context"]["sections"] == []


@pytest.mark.django_db
def test_section_is_offered_once_the_plugin_templates_are_in_the_mako_lookup(course, course_staff):
    with override_settings(MAKO_TEMPLATE_DIRS_BASE=["/edx/app/edxapp/edx-platform/lms/templates", TEMPLATES]):
        result = run_section_step({"course": course, "sections": []}, course_staff)
    assert [section["section_key"] for section in result["context"]["sections"]] == ["bulkmail_email"]


@pytest.mark.django_db
def test_section_is_left_out_for_a_user_without_the_role(course):
    sections = [{"section_key": "course_info"}]
    result = run_section_step({"course": course, "sections": list(sections)}, factories.learner())
    assert result["context"]["sections"] == sections


@pytest.mark.django_db
def test_section_reaches_the_dashboard_through_the_configured_filter(course, course_staff):
    config = merge_filter_steps({})
    with override_settings(OPEN_EDX_FILTERS_CONFIG=config), \
            mock.patch("crum.get_current_user", return_value=course_staff):
        context, _ = InstructorDashboardRenderStarted.run_filter(
            context={"course": course, "sections": []}, template_name="dashboard.html")
    assert context["sections"][0]["section_key"] == "bulkmail_email"


def test_section_template_renders_a_titled_frame_of_the_page():
    mako_lookup = pytest.importorskip("mako.lookup")
    lookup = mako_lookup.TemplateLookup(directories=[str(TEMPLATES)])
    template = lookup.get_template("openedx_bulkmail_plugin/dashboard/bulkmail_email.html")
    page_url = "https://lms.example.com/bulkmail/courses/x/?embedded=1"
    with translation.override("en"):
        html = template.render(section_data={"page_url": page_url})
    assert f'<iframe class="bulkmail-section__frame" src="{page_url}"' in html
    assert 'title="Email"' in html


def test_section_template_escapes_the_page_url():
    mako_lookup = pytest.importorskip("mako.lookup")
    lookup = mako_lookup.TemplateLookup(directories=[str(TEMPLATES)])
    template = lookup.get_template("openedx_bulkmail_plugin/dashboard/bulkmail_email.html")
    html = template.render(section_data={"page_url": 'https://x/"><script>alert(1)</script>'})
    assert "<script>alert(1)" not in html


# The instructor dashboard MFE's Email tab


def run_tab_step(tabs, user, course_key=factories.COURSE_KEY):
    return AddEmailTab(TABS_REQUESTED, []).run_filter(tabs=tabs, user=user, course_key=course_key)


@pytest.mark.django_db
def test_tab_links_to_the_absolute_url_of_the_email_page(course_staff):
    tab = run_tab_step([], course_staff)["tabs"][0]
    assert tab["url"] == f"{settings.LMS_ROOT_URL}/bulkmail/courses/{factories.COURSE_KEY}/"


@pytest.mark.django_db
def test_tab_has_the_fields_the_mfe_reads(course_staff):
    tab = run_tab_step([], course_staff)["tabs"][0]
    assert (tab["tab_id"], tab["title"], tab["sort_order"]) == ("bulkmail_email", "Email", 100)


@pytest.mark.django_db
@override_settings(LMS_ROOT_URL="https://lms.example.com/")
def test_tab_url_follows_the_lms_root_url(course_staff):
    tab = run_tab_step([], course_staff)["tabs"][0]
    assert tab["url"] == f"https://lms.example.com/bulkmail/courses/{factories.COURSE_KEY}/"


@pytest.mark.django_db
def test_tab_takes_the_place_of_the_platforms_bulk_email_tab(course_staff):
    tabs = [{"tab_id": "course_info"}, {"tab_id": "bulk_email"}, {"tab_id": "special_exams"}]
    result = run_tab_step(tabs, course_staff)
    assert [tab["tab_id"] for tab in result["tabs"]] == ["course_info", "bulkmail_email", "special_exams"]


@pytest.mark.django_db
def test_tab_is_not_offered_to_a_learner(course):  # pylint: disable=unused-argument
    tabs = [{"tab_id": "course_info"}]
    assert run_tab_step(list(tabs), factories.learner())["tabs"] == tabs


@pytest.mark.django_db
def test_tab_step_hands_back_the_user_and_course_unchanged(course_staff):
    result = run_tab_step([], course_staff)
    assert (result["user"], result["course_key"]) == (course_staff, factories.COURSE_KEY)


@pytest.mark.django_db
def test_tab_reaches_the_mfe_through_the_configured_filter(course_staff):
    with override_settings(OPEN_EDX_FILTERS_CONFIG=merge_filter_steps({})):
        tabs, _, _ = InstructorDashboardTabsRequested.run_filter(
            tabs=[], user=course_staff, course_key=factories.COURSE_KEY)
    assert [tab["tab_id"] for tab in tabs] == ["bulkmail_email"]


# Registering the steps in OPEN_EDX_FILTERS_CONFIG


def test_merge_registers_both_steps_in_an_empty_config():
    merged = merge_filter_steps({})
    assert {name: config["pipeline"] for name, config in merged.items()} == {
        name: [step] for name, step in FILTER_STEPS.items()}


def test_merge_keeps_other_plugins_steps_first():
    other = {RENDER_STARTED: {"fail_silently": False, "pipeline": ["other_plugin.steps.AddTeams"]}}
    merged = merge_filter_steps(other)
    assert merged[RENDER_STARTED]["pipeline"] == ["other_plugin.steps.AddTeams", FILTER_STEPS[RENDER_STARTED]]


def test_merge_keeps_the_operators_fail_silently_choice():
    other = {RENDER_STARTED: {"fail_silently": False, "pipeline": []}}
    assert merge_filter_steps(other)[RENDER_STARTED]["fail_silently"] is False


def test_merge_keeps_filters_it_does_not_extend():
    unrelated = {"org.openedx.learning.course.enrollment.started.v1": {"fail_silently": True, "pipeline": ["x.Y"]}}
    merged = merge_filter_steps(unrelated)
    assert merged["org.openedx.learning.course.enrollment.started.v1"] == unrelated[
        "org.openedx.learning.course.enrollment.started.v1"]


def test_merge_applied_twice_adds_each_step_once():
    twice = merge_filter_steps(merge_filter_steps({}))
    assert twice == merge_filter_steps({})


def test_merge_leaves_the_operators_config_untouched():
    original = {RENDER_STARTED: {"fail_silently": False, "pipeline": ["other_plugin.steps.AddTeams"]}}
    snapshot = json.loads(json.dumps(original))
    merge_filter_steps(original)
    assert original == snapshot


def test_plugin_settings_register_the_steps_on_the_settings_module():
    from openedx_bulkmail_plugin.settings.common import plugin_settings  # pylint: disable=import-outside-toplevel

    fake = SimpleNamespace(OPEN_EDX_FILTERS_CONFIG={
        TABS_REQUESTED: {"fail_silently": True, "pipeline": ["other_plugin.steps.AddTab"]}})
    plugin_settings(fake)
    assert fake.OPEN_EDX_FILTERS_CONFIG[TABS_REQUESTED]["pipeline"] == [
        "other_plugin.steps.AddTab", FILTER_STEPS[TABS_REQUESTED]]

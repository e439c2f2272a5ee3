"""
Rendering once per batch: each learner's subject, text and HTML stay exactly what edx-ace's
own renderer makes of the same message, and the templates are looked up once.
"""
import pytest
from django.template import engines
from edx_ace import presentation

from openedx_bulkmail_plugin.sending import rendering
from openedx_bulkmail_plugin.sending.channel import BulkMailEmailChannel
from openedx_bulkmail_plugin.sending.message import PER_LEARNER_CONTEXT, CourseEmailComposer
from tests import factories
from tests.course_emails import course_email

pytestmark = pytest.mark.django_db

AWKWARD_NAMES = ['Ana <b>"Bold"</b> & Co', "Zoë O'Brien", "", "李小龙", "a%%USER_FULLNAME%%b", "{{ course_name }}"]


@pytest.fixture
def course():
    return factories.course(display_name='Mail <101> & "More"')


@pytest.fixture
def composer(course):
    email = course_email(
        course_key=course.id,
        subject="Hi %%USER_FULLNAME%% & welcome to %%COURSE_DISPLAY_NAME%%",
        html='<p title="%%USER_FULLNAME%%">Dear %%USER_FULLNAME%%, <a href="https://x.test/?a=1&b=2">go</a></p>',
    )
    return CourseEmailComposer(email, course)


def messages(composer):
    return [composer.message_for(factories.user(name=name)) for name in AWKWARD_NAMES]


def parts(rendered):
    return {part: getattr(rendered, part) for part in rendering.PARTS}


def test_each_learner_gets_what_aces_own_renderer_makes(composer):
    channel = BulkMailEmailChannel()
    renderer = rendering.BatchRenderer(channel, PER_LEARNER_CONTEXT)

    for message in messages(composer):
        assert parts(renderer.render(message)) == parts(presentation.render(channel, message))
    assert renderer.skeleton is not None  # the shortcut was trusted, not the fallback


def test_templates_are_looked_up_once_for_the_whole_batch(composer, monkeypatch):
    looked_up = []
    real_get_template = rendering.loader.get_template

    def counting(name):
        looked_up.append(name)
        return real_get_template(name)

    monkeypatch.setattr(rendering.loader, "get_template", counting)
    renderer = rendering.BatchRenderer(BulkMailEmailChannel(), PER_LEARNER_CONTEXT)
    for message in messages(composer):
        renderer.render(message)

    assert len(looked_up) == len(rendering.PARTS)


def test_template_that_transforms_a_learners_value_is_rendered_in_full_and_still_right(composer, monkeypatch):
    overridden = engines["django"].from_string("{{ subject|upper }} for {{ message.recipient.email_address }}")
    real_get_template = rendering.loader.get_template
    monkeypatch.setattr(
        rendering.loader, "get_template",
        lambda name: overridden if name.endswith("subject.txt") else real_get_template(name))
    channel = BulkMailEmailChannel()
    renderer = rendering.BatchRenderer(channel, PER_LEARNER_CONTEXT)

    for message in messages(composer):
        rendered = renderer.render(message)
        assert rendered.subject == overridden.render({**message.context, "message": message})
        assert rendered.body_html == presentation.render(channel, message).body_html
    assert renderer.skeleton is None

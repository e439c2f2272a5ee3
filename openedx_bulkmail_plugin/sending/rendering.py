"""
Rendering a course email once per batch, and per learner only what differs.

edx-ace's renderer looks up and renders every template of a message for every message.
Inside an LMS each lookup walks uncached Mako and app-directory loaders, which cost more
than half of a message's time. A batch sends one email to many learners, so the
templates are looked up once, rendered once with a placeholder for each per-learner value
(a slot), and each learner's copy is the rendered text with their values put in the slots,
escaped exactly where the template escaped the placeholder.

The shortcut is checked before it is trusted: the skeleton is filled with a second set of
placeholders and compared with a real rendering of those. A template that transforms a
value (a filter, a truncation) or shows anything else about the learner fails the check,
and the batch renders each message in full, still with the templates it looked up once.
"""
import secrets

import attr
from django.template import loader
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe
from edx_ace.recipient import Recipient
from edx_ace.renderers import RenderedEmail

PARTS = ("from_name", "subject", "body_html", "head_html", "body")


def template_name(message, part):
    """The template ACE's email renderer would use for one part of ``message``."""
    filename = part.replace("_html", ".html") if part.endswith("_html") else f"{part}.txt"
    return f"{message.app_label}/edx_ace/{message.name}/email/{filename}"


class BatchRenderer:
    """
    Renders the messages of one email, as ACE's email renderer would, for many learners.

    ``per_learner`` names the context values that differ from learner to learner; all
    others must be the same for every message rendered with this renderer.
    """

    def __init__(self, channel, per_learner):
        self.channel = channel
        self.per_learner = tuple(per_learner)
        self.templates = None
        self.skeleton = None

    def render(self, message):
        """The :class:`RenderedEmail` of ``message``."""
        if self.templates is None:
            self._prepare(message)
        if self.skeleton is None:
            return self._render_in_full(message)
        return self.skeleton.fill(message.context)

    def _prepare(self, message):
        self.templates = {part: loader.get_template(template_name(message, part)) for part in PARTS}
        first, second = _Slots(self.per_learner), _Slots(self.per_learner)
        skeleton = _Skeleton(self._render_in_full(first.dress(message)), first)
        check = second.dress(message)
        if skeleton.fill(check.context) == self._render_in_full(check):
            self.skeleton = skeleton

    def _render_in_full(self, message):
        context = {"message": message, "channel": self.channel, **message.context}
        with translation.override(message.language or translation.get_language()):
            return RenderedEmail(**{part: self.templates[part].render(context) for part in PARTS})


class _Slots:
    """A placeholder per per-learner value: plain text, or marked safe where the value is."""

    def __init__(self, names):
        self.nonce = secrets.token_hex(6)
        self.raw = {name: f"bulkmailslot{self.nonce}{name}<&>" for name in names}

    def dress(self, message):
        """A copy of ``message`` for a made-up learner whose per-learner values are placeholders."""
        context = dict(message.context)
        for name, slot in self.raw.items():
            context[name] = mark_safe(slot) if isinstance(message.context.get(name), SafeData) else slot
        stranger = Recipient(lms_user_id=0, email_address=f"{self.nonce}@example.invalid")
        return attr.evolve(message, context=context, recipient=stranger)


class _Skeleton:
    """Rendered parts with slots, split into literal text and (name, escaped) holes."""

    def __init__(self, rendered, slots):
        self.parts = {part: _split(getattr(rendered, part), slots.raw) for part in PARTS}

    def fill(self, values):
        filled = {}
        for part, pieces in self.parts.items():
            filled[part] = "".join(
                piece if isinstance(piece, str) else _as_rendered(values.get(piece[0], ""), piece[1])
                for piece in pieces
            )
        return RenderedEmail(**filled)


def _split(text, raw_slots):
    """``text`` as a list of literal strings and (name, escaped) tuples where a slot stood."""
    marks = {}
    for name, raw in raw_slots.items():
        marks[str(escape(raw))] = (name, True)
        marks[raw] = (name, False)
    pieces, position = [], 0
    while True:
        found = [(text.find(mark, position), -len(mark), mark) for mark in marks]
        found = [item for item in found if item[0] >= 0]
        if not found:
            pieces.append(text[position:])
            return pieces
        index, _length, mark = min(found)
        pieces.extend([text[position:index], marks[mark]])
        position = index + len(mark)


def _as_rendered(value, escaped):
    value = "" if value is None else value
    return str(escape(value)) if escaped and not isinstance(value, SafeData) else str(value)


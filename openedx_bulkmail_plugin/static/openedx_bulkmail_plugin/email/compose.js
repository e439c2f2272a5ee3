/**
 * The compose form: write, preview, test on oneself, send now or schedule, and edit a
 * scheduled email in place.
 */
import {ApiError, messagesOf} from './api.js';
import {hold, isHeld} from './dom.js';
import {createEditor} from './editor.js';
import {createSelection} from './selection.js';
import {localInputs, localIso} from './schedule.js';

// In page order, so the first one named is the first one a reader meets.
const FIELDS = ['targets', 'individuals', 'filters', 'subject', 'body', 'schedule'];
// Said next to the named learners (their chips are flagged), never in the banner.
const SHOWN_ELSEWHERE = ['not_found'];

export function createCompose(root, {api, t, notices, dialogs, onChange}) {
  const form = root.querySelector('[data-compose]');
  const heading = root.querySelector('[data-compose-heading]');
  const subject = form.elements.subject;
  const later = form.querySelector('[data-schedule-toggle]');
  const when = form.querySelector('[data-schedule-fields]');
  const sendDate = form.elements['send-date'];
  const sendTime = form.elements['send-time'];
  const submit = form.querySelector('[data-submit]');
  const cancelEdit = form.querySelector('[data-action="cancel-edit"]');
  const editor = createEditor(form.querySelector('[data-editor]'), t);
  const selection = createSelection(form, {api, t, notices, dialogs});
  let editing = null;
  let busy = false;
  // Set by the drafts: sends the message through the draft it was written in (see useOutbox).
  let outbox = null;
  // Goes up whenever the form is emptied, so the drafts can tell a new email from the one they saved.
  let generation = 0;

  form.querySelector('[data-time-zone]').textContent = t('timeZoneNote', {zone: t.timeZone});

  function errorNode(field) {
    return form.querySelector(`[data-error-for="${field}"]`);
  }

  function clearErrors() {
    FIELDS.forEach((field) => { errorNode(field).textContent = ''; });
    subject.removeAttribute('aria-invalid');
    sendDate.removeAttribute('aria-invalid');
    editor.setInvalid(false);
    selection.clearErrors();
    notices.clear();
  }

  function focusField(field) {
    if (field === 'subject') subject.focus();
    else if (field === 'body') editor.focus();
    else if (['targets', 'individuals', 'filters'].includes(field)) selection.focus(field);
    else if (field === 'schedule') sendDate.focus();
  }

  /** Put each message next to the field it names; the rest goes to the banner. */
  function showErrors(fields, fallback) {
    const named = FIELDS.filter((field) => fields[field]);
    named.forEach((field) => {
      errorNode(field).textContent = messagesOf(fields[field]).join(' ');
      if (field === 'subject') subject.setAttribute('aria-invalid', 'true');
      if (field === 'schedule') sendDate.setAttribute('aria-invalid', 'true');
      if (field === 'body') editor.setInvalid(true);
    });
    selection.showErrors(fields);
    const others = Object.keys(fields).filter((key) => !FIELDS.includes(key) && !SHOWN_ELSEWHERE.includes(key));
    if (others.length || !named.length) notices.error(fallback);
    if (named.length) focusField(named[0]);
  }

  function reportFailure(error) {
    if (error instanceof ApiError && error.status === 400) showErrors(error.fields, notices.explain(error));
    else notices.error(notices.explain(error));
  }

  function checkLocally(draft) {
    const problems = {};
    if (!draft.subject) problems.subject = t('needSubject');
    if (editor.isBlank()) problems.body = t('needBody');
    if (selection.isEmpty(draft)) problems.targets = t('needTargets');
    else if (draft.individuals && selection.missing().length) problems.individuals = t('removeNotFound');
    if (later.checked && !draft.schedule) problems.schedule = t('needSchedule');
    return problems;
  }

  function draft() {
    const message = {subject: subject.value.trim(), body: editor.html(), ...selection.current()};
    if (later.checked) message.schedule = localIso(sendDate.value, sendTime.value);
    return message;
  }

  function reflectMode() {
    later.disabled = Boolean(editing);
    when.hidden = !later.checked;
    cancelEdit.hidden = !editing;
    heading.textContent = editing ? t('editHeading') : t('composeHeading');
    if (editing) submit.textContent = t('saveChanges');
    else submit.textContent = later.checked ? t('scheduleButton') : t('sendButton');
  }

  function reset() {
    editing = null;
    generation += 1;
    form.reset();
    editor.setHtml('');
    selection.set({});
    clearErrors();
    reflectMode();
  }

  /**
   * Ask the server to check the message as sending would, then confirm what it counted.
   * A refusal (a time in the past, a message too long) is shown before any dialog, so the
   * instructor never confirms something that cannot be sent.
   */
  async function confirmSend(message) {
    if (editing) return true;
    const people = (await api.post('emails/check/', message)).count;
    // The once-a-week guard's warning, when it has one, is repeated where the decision is made.
    const recent = root.querySelector('[data-recent-emails]').textContent.trim();
    const withWarning = (text) => (recent ? `${text} ${recent}` : text);
    if (message.schedule) {
      return dialogs.confirm({
        heading: t('confirmScheduleHeading'),
        message: withWarning(t.plural('confirmSchedule', people, {when: t.moment(message.schedule)})),
        confirmLabel: t('scheduleButton'),
      });
    }
    return dialogs.confirm({
      heading: t('confirmSendHeading'),
      message: withWarning(t.plural('confirmSend', people, {subject: message.subject})),
      confirmLabel: t('sendButton'),
    });
  }

  async function save(message) {
    if (editing) {
      await api.patch(`emails/${editing.id}/`, message);
      return {notice: t('savedNotice')};
    }
    const created = (outbox && await outbox(message)) || await api.post('emails/', message);
    if (created.state === 'SCHEDULED') return {notice: t('scheduledNotice', {when: t.moment(created.due)})};
    return {notice: t('sendingNotice'), about: `email:${created.id}`};
  }

  async function onSubmit(event) {
    event.preventDefault();
    if (busy || isHeld(submit)) return;
    clearErrors();
    const message = draft();
    const problems = checkLocally(message);
    if (Object.keys(problems).length) {
      showErrors(problems, t('fixFields'));
      return;
    }
    busy = true;
    try {
      if (!(await confirmSend(message))) return;
      hold(submit, true);
      const {notice, about} = await save(message);
      reset();
      notices.success(notice, about);
      onChange();
    } catch (error) {
      reportFailure(error);
    } finally {
      busy = false;
      hold(submit, false);
    }
  }

  async function sendTest(button) {
    if (isHeld(button)) return;
    clearErrors();
    const message = {subject: subject.value.trim(), body: editor.html(), targets: ['myself']};
    const problems = checkLocally({...message, targets: ['myself']});
    if (Object.keys(problems).length) {
      showErrors(problems, t('fixFields'));
      return;
    }
    hold(button, true);
    try {
      const created = await api.post('emails/', message);
      notices.success(t('testNotice'), `email:${created.id}`);
      onChange();
    } catch (error) {
      reportFailure(error);
    } finally {
      hold(button, false);
    }
  }

  async function preview(button) {
    if (isHeld(button)) return;
    clearErrors();
    hold(button, true);
    try {
      const rendered = await api.post('preview/', {subject: subject.value.trim(), body: editor.html()});
      await dialogs.showEmail({heading: t('previewHeading'), subject: rendered.subject, html: rendered.html});
    } catch (error) {
      reportFailure(error);
    } finally {
      hold(button, false);
    }
  }

  form.addEventListener('submit', onSubmit);
  later.addEventListener('change', reflectMode);
  cancelEdit.addEventListener('click', () => { reset(); notices.success(t('editCancelled')); });
  form.querySelector('[data-action="preview"]').addEventListener('click', (event) => preview(event.currentTarget));
  form.querySelector('[data-action="test"]').addEventListener('click', (event) => sendTest(event.currentTarget));
  reflectMode();

  return {
    load: () => selection.load(),
    /** Load a scheduled email into the form; saving sends a PATCH. */
    async edit(email) {
      await editor.ready;
      reset();
      editing = email;
      subject.value = email.subject;
      editor.setHtml(email.body);
      selection.set({
        targets: email.targets.map((target) => target.key), individuals: email.individuals, filters: email.filters,
      });
      later.checked = true;
      const local = localInputs(email.due);
      sendDate.value = local.date;
      sendTime.value = local.time;
      reflectMode();
      form.scrollIntoView({block: 'start'});
      subject.focus();
    },
    ...draftHooks(),
  };

  /**
   * What the drafts, the templates and the once-a-week guard need of the form: read its
   * content, fill it, and send through the draft the message was written in.
   */
  function draftHooks() {
    return {
      /** Subject, body and selection as they are in the form (no schedule, no checks). */
      content() {
        const message = draft();
        delete message.schedule;
        return message;
      },
      /** The send time chosen in the form (ISO with offset), or null for now. */
      schedule: () => draft().schedule || null,
      /** The id of the scheduled email being edited, or null. */
      editingId: () => (editing ? editing.id : null),
      /** Which email the form holds: a new number each time it is emptied (sent, edit, cancel, fill). */
      generation: () => generation,
      /** Empty the form, then put ``content`` (subject, body, selection) in it; nothing is sent or saved. */
      async fill({subject: text = '', body = '', targets = [], individuals = [], filters = {}} = {}) {
        await editor.ready;
        reset();
        subject.value = text;
        editor.setHtml(body);
        selection.set({targets, individuals, filters});
      },
      /** ``send(message)`` answers the created email, or null to create it the usual way. */
      useOutbox(send) {
        outbox = send;
      },
    };
  }
}

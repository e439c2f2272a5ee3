/**
 * Drafts: the email being written is saved as a draft of the course a moment after typing
 * stops (at least every few seconds while it goes on, and once more as the tab is hidden
 * or closed), with a visible "Saved" indicator that screen readers hear politely. The
 * Drafts list opens and deletes them, and sending from the form sends the draft itself,
 * so it leaves the list once and only once.
 *
 * Two colleagues may have one draft open: every save names the version it was made from,
 * and a save from an older one is refused; the indicator then says who changed the draft
 * and when, and offers to reload it, rather than overwrite their work.
 */
import {ApiError, messagesOf} from './api.js';
import {onComposeChange} from './changes.js';
import {el, keepingFocus, replaceChildren} from './dom.js';

const QUIET_MILLISECONDS = 2000;
const LONGEST_WAIT_MILLISECONDS = 10000;

function isBlank(content) {
  const text = (content.body || '').replace(/<br\s*\/?>|&nbsp;|<\/?(p|div)>|\s/gi, '');
  return !content.subject && !text && !content.targets.length && !content.individuals.length
    && !Object.keys(content.filters).length;
}

function editorName(email) {
  return email.modified_by ? (email.modified_by.name || email.modified_by.username) : '';
}

export function createDrafts(root, {api, t, notices, dialogs, compose, courseId}) {
  const form = root.querySelector('[data-compose]');
  const indicator = root.querySelector('[data-draft-state]');
  const reloadButton = root.querySelector('[data-draft-reload]');
  const rows = root.querySelector('[data-drafts-rows]');
  const table = rows.closest('table');
  const empty = root.querySelector('[data-drafts-empty]');
  const heading = root.querySelector('#bm-drafts-heading');
  const memory = storage(`bulkmail:draft:${courseId}`);
  let open = null; // {id, version, generation} of the draft in the form
  let savedText = null; // the content last saved (or opened), as JSON
  let blocked = false; // someone else saved the open draft: no saving until it is reloaded
  let queue = Promise.resolve();
  let timer = null;
  let waitingSince = 0;

  function show(text, {conflict = false} = {}) {
    indicator.textContent = text;
    reloadButton.hidden = !conflict;
  }

  function adopt(email, generation = compose.generation()) {
    open = {id: email.id, version: email.version, generation};
    memory.set(email.id);
  }

  /** Let go of the open draft if the form was emptied since (sent, edit of a scheduled email, cancel). */
  function forgetIfReplaced(generation) {
    if (open && open.generation !== generation) {
      open = null;
      savedText = null;
      memory.set(null);
    }
  }

  function close() {
    clearTimeout(timer);
    open = null;
    savedText = null;
    blocked = false;
    memory.set(null);
    show('');
  }

  /** Save what the form holds now (read at once, written after any save in flight). */
  function saveNow(options = {}) {
    clearTimeout(timer);
    waitingSince = 0;
    if (compose.editingId() || blocked) return queue;
    const content = compose.content();
    const generation = compose.generation();
    queue = queue.then(() => write(content, generation, options)).catch(() => {});
    return queue;
  }

  function changed() {
    if (compose.editingId() || blocked) return;
    clearTimeout(timer);
    waitingSince = waitingSince || Date.now();
    const longest = waitingSince + LONGEST_WAIT_MILLISECONDS - Date.now();
    timer = setTimeout(() => saveNow(), Math.max(0, Math.min(QUIET_MILLISECONDS, longest)));
  }

  async function write(content, generation, {keepalive = false} = {}) {
    forgetIfReplaced(generation);
    const text = JSON.stringify(content);
    if (text === savedText || (!open && isBlank(content))) return;
    show(t('draftSaving'));
    try {
      const email = open
        ? await api.patch(`emails/${open.id}/`, {...content, version: open.version}, {keepalive})
        : await api.post('emails/', {...content, draft: true}, {keepalive});
      adopt(email, generation);
      savedText = text;
      show(t('draftSaved', {when: t.moment(email.modified)}));
      list();
    } catch (error) {
      await failed(error, content, generation);
    }
  }

  async function failed(error, content, generation) {
    const status = error instanceof ApiError ? error.status : 0;
    if (status === 409 && error.fields.version) {
      blocked = true;
      const who = error.fields.modified_by ? (error.fields.modified_by.name || error.fields.modified_by.username) : '';
      show(t('draftNotSaved', {reason: t('draftConflict', {who, when: t.moment(error.fields.modified)})}),
        {conflict: true});
    } else if (status === 404 || status === 409) {
      // Sent or deleted by someone else meanwhile: keep this text as a new draft.
      open = null;
      await write(content, generation);
      notices.announce(t('draftSavedAgain'));
    } else {
      const reason = status === 400 ? messagesOf(error.fields).join(' ') : notices.explain(error);
      show(t('draftNotSaved', {reason}));
    }
  }

  async function openDraft(id, {keepLocal = true, quiet = false} = {}) {
    if (keepLocal) await saveNow();
    const email = await api.get(`emails/${id}/`);
    if (email.state !== 'DRAFT') {
      if (!quiet) notices.error(t('draftGone'));
      memory.set(null);
      return list();
    }
    clearTimeout(timer);
    await compose.fill({
      subject: email.subject, body: email.body, targets: email.targets.map((target) => target.key),
      individuals: email.individuals, filters: email.filters,
    });
    blocked = false;
    adopt(email);
    savedText = JSON.stringify(compose.content());
    show(t('draftSaved', {when: t.moment(email.modified)}));
    await list();
    if (!quiet) {
      notices.success(t('draftOpenedNotice', {subject: email.subject || t('noSubject')}));
      form.elements.subject.focus();
    }
    return email;
  }

  async function startNew() {
    await saveNow();
    close();
    await compose.fill({});
    await list();
    notices.success(t('newEmailNotice'));
    form.elements.subject.focus();
  }

  async function remove(email) {
    const subject = email.subject || t('noSubject');
    const sure = await dialogs.confirm({
      heading: t('draftDeleteHeading'), message: t('draftDeleteQuestion', {subject}),
      confirmLabel: t('deleteButton'), danger: true,
    });
    if (!sure) return;
    try {
      await api.remove(`emails/${email.id}/`);
      if (open && open.id === email.id) {
        close();
        await compose.fill({});
      }
      notices.success(t('draftDeletedNotice', {subject}));
    } catch (error) {
      notices.error(notices.explain(error));
    }
    await list();
  }

  /** The outbox of the form: the message goes out as its draft, saved first, so it is sent once. */
  async function sendThroughDraft(message) {
    const {schedule = null, ...content} = message;
    const generation = compose.generation();
    clearTimeout(timer);
    await queue;
    forgetIfReplaced(generation);
    if (!open && !isBlank(content)) await write(content, generation);
    if (!open) return null;
    if (JSON.stringify(content) !== savedText) {
      adopt(await api.patch(`emails/${open.id}/`, {...content, version: open.version}), generation);
    }
    const sent = await api.post(`emails/${open.id}/send/`, {schedule, version: open.version});
    close();
    list();
    return sent;
  }

  function actionButton(label, subject, action) {
    return el('button', {
      type: 'button', class: 'bm-button bm-button--small', 'aria-label': `${label}: ${subject}`, onclick: action,
    }, label);
  }

  function row(email) {
    const subject = email.subject || t('noSubject');
    const isOpen = Boolean(open && open.id === email.id);
    return el('tr', {'data-draft-id': email.id, 'aria-current': isOpen ? 'true' : null},
      el('td', {'data-label': t('columnSubject')}, subject,
        isOpen ? [' ', el('span', {class: 'bm-tag'}, t('draftIsOpen'))] : null),
      el('td', {'data-label': t('columnSendTo')}, email.selection || el('span', {class: 'bm-muted'}, t('noRecipients'))),
      el('td', {'data-label': t('columnLastEdited')}, t('editedBy', {who: editorName(email), when: t.moment(email.modified)})),
      el('td', {'data-label': t('columnActions')}, el('div', {class: 'bm-actions'},
        actionButton(t('openButton'), subject, () => openDraft(email.id).catch(report)),
        actionButton(t('deleteButton'), subject, () => remove(email)))));
  }

  function report(error) {
    notices.error(notices.explain(error));
  }

  async function list() {
    try {
      const page = await api.get('emails/?state=DRAFT&page_size=100');
      const drafts = [...page.results].sort((a, b) => new Date(b.modified) - new Date(a.modified));
      keepingFocus(rows, () => replaceChildren(rows, drafts.map(row)), () => heading);
      table.hidden = !drafts.length;
      empty.hidden = Boolean(drafts.length);
    } catch (error) {
      report(error);
    }
  }

  onComposeChange(root, changed);
  form.addEventListener('focusout', (event) => {
    if (!form.contains(event.relatedTarget)) saveNow();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') saveNow({keepalive: true});
  });
  root.querySelector('[data-draft-save]').addEventListener('click', () => saveNow().then(() => {
    if (!open) show(t('draftNothingToSave'));
  }));
  root.querySelector('[data-draft-new]').addEventListener('click', () => startNew().catch(report));
  reloadButton.addEventListener('click', () => openDraft(open.id, {keepLocal: false}).catch(report));
  compose.useOutbox(sendThroughDraft);

  return {
    list,
    /** Reopen the draft this tab was writing before a reload, once the form can take it. */
    async restore() {
      const id = memory.get();
      await list();
      if (id) await openDraft(id, {keepLocal: false, quiet: true}).catch(() => memory.set(null));
    },
    /** Save and let go of the open draft, before the form is given something else. */
    async leave() {
      await saveNow();
      close();
      await list();
    },
  };
}

/** sessionStorage under ``key`` (per tab, kept across reloads), or nothing where it is refused. */
function storage(key) {
  return {
    get() {
      try {
        return Number(window.sessionStorage.getItem(key)) || null;
      } catch (error) {
        return null;
      }
    },
    set(value) {
      try {
        if (value) window.sessionStorage.setItem(key, String(value));
        else window.sessionStorage.removeItem(key);
      } catch (error) {
        // Storage refused (a sandboxed frame, private mode): the draft is still in the list.
      }
    },
  };
}

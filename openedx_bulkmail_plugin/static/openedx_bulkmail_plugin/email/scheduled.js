/**
 * The Scheduled emails table: when (local time), to whom, subject, author; View, Edit, Delete.
 */
import {el, keepingFocus, replaceChildren} from './dom.js';

/** Who the email goes to, in words, as the server says it ("All Learners who have not passed"). */
export function targetLabels(email) {
  return email.selection || email.targets.map((target) => target.label).join(', ');
}

export function authorName(email) {
  return email.author ? (email.author.name || email.author.username) : '';
}

export function createScheduledTable(root, {api, t, notices, dialogs, compose, onChange}) {
  const body = root.querySelector('[data-scheduled-rows]');
  const empty = root.querySelector('[data-scheduled-empty]');
  const table = body.closest('table');
  const heading = root.querySelector('#bm-scheduled-heading');

  function view(email) {
    return dialogs.showEmail({heading: t('viewHeading'), subject: email.subject, html: email.body});
  }

  async function remove(email) {
    const sure = await dialogs.confirm({
      heading: t('deleteHeading'),
      message: t('deleteQuestion', {subject: email.subject, when: t.moment(email.due)}),
      confirmLabel: t('deleteButton'),
      danger: true,
    });
    if (!sure) return;
    try {
      await api.remove(`emails/${email.id}/`);
      notices.success(t('deletedNotice', {subject: email.subject}));
      onChange();
    } catch (error) {
      notices.error(notices.explain(error));
    }
  }

  function actionButton(label, email, action) {
    return el('button', {
      type: 'button',
      class: 'bm-button bm-button--small',
      'aria-label': `${label}: ${email.subject}`,
      onclick: () => action(email),
    }, label);
  }

  function row(email) {
    return el('tr', {'data-email-id': email.id},
      el('td', {'data-label': t('columnSendDate')}, t.moment(email.due)),
      el('td', {'data-label': t('columnSendTo')}, targetLabels(email)),
      el('td', {'data-label': t('columnSubject')}, email.subject),
      el('td', {'data-label': t('columnAuthor')}, authorName(email)),
      el('td', {'data-label': t('columnActions')}, el('div', {class: 'bm-actions'},
        actionButton(t('viewButton'), email, view),
        actionButton(t('editButton'), email, (chosen) => compose.edit(chosen)),
        actionButton(t('deleteButton'), email, remove))));
  }

  return {
    async load() {
      try {
        const page = await api.get('emails/?state=SCHEDULED&page_size=100');
        const emails = [...page.results].sort((a, b) => new Date(a.due) - new Date(b.due));
        // After a delete, focus moves to the same button of the row now in its place, or the heading.
        keepingFocus(body, () => replaceChildren(body, emails.map(row)), () => heading);
        table.hidden = !emails.length;
        empty.hidden = Boolean(emails.length);
      } catch (error) {
        notices.error(notices.explain(error));
      }
    },
  };
}

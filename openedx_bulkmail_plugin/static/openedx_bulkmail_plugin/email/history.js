/**
 * Every message of the course, newest first: its state, a live progress bar while it
 * sends (polled every couple of seconds, and after a stop until its counts are final),
 * Cancel while it runs, and its details with the recipients it failed to reach.
 */
import {el, hold, isHeld, keepingFocus, replaceChildren} from './dom.js';
import {badge, countsText, doneCount, isRunning, isSettling, progressBar} from './progress.js';
import {authorName, targetLabels} from './scheduled.js';

const PAGE_SIZE = 20;

export function createHistory(root, {api, t, notices, dialogs, pollMilliseconds, onScheduleChange, onFinished}) {
  const rows = root.querySelector('[data-history-rows]');
  const table = rows.closest('table');
  const empty = root.querySelector('[data-history-empty]');
  const more = root.querySelector('[data-history-more]');
  const known = new Map();
  let pagesLoaded = 0;
  let olderAvailable = false;
  let timer = null;

  function isActive(email) {
    return isSettling(email) || (email.state === 'SCHEDULED' && email.due && new Date(email.due) <= new Date());
  }

  /** Which quarter of a running send is done (0 to 3), so progress is said every 25%. */
  function quarter(email) {
    const {total} = email.counts;
    return total ? Math.min(3, Math.floor((4 * doneCount(email)) / total)) : 0;
  }

  function announceChange(before, email) {
    if (!before) return;
    const counts = countsText(email, t);
    if (before.state !== email.state) {
      notices.announce(t('stateAnnouncement', {subject: email.subject, state: email.state_label, counts}));
      if (!isRunning(email)) onFinished(email, counts);
    } else if (isRunning(email) && quarter(email) > quarter(before)) {
      notices.announce(t('progressAnnouncement', {subject: email.subject, counts}));
    }
  }

  async function cancel(email) {
    const sure = await dialogs.confirm({
      heading: t('cancelSendHeading'),
      message: t('cancelSendQuestion', {subject: email.subject}),
      confirmLabel: t('cancelSendButton'),
      danger: true,
    });
    if (!sure) return;
    try {
      await api.post(`emails/${email.id}/cancel/`);
      notices.success(t('cancelledNotice', {subject: email.subject}));
    } catch (error) {
      notices.error(notices.explain(error));
    }
    await refresh();
  }

  function actions(email) {
    const buttons = [el('button', {
      type: 'button', class: 'bm-button bm-button--small', 'aria-label': `${t('detailsButton')}: ${email.subject}`,
      onclick: () => showDetails(email.id),
    }, t('detailsButton'))];
    if (isRunning(email)) {
      buttons.push(el('button', {
        type: 'button', class: 'bm-button bm-button--small bm-button--danger',
        'aria-label': `${t('cancelSendButton')}: ${email.subject}`, onclick: () => cancel(email),
      }, t('cancelSendButton')));
    }
    return el('div', {class: 'bm-actions'}, buttons);
  }

  function fill(row, email, before) {
    const cells = row.children;
    cells[0].textContent = email.subject;
    cells[1].textContent = targetLabels(email);
    replaceChildren(cells[2], t.moment(email.created), el('br'), el('span', {class: 'bm-muted'}, authorName(email)));
    replaceChildren(cells[3], badge(email));
    const neverStarted = email.state === 'SCHEDULED' || (email.state === 'REVOKED' && !email.started_at);
    replaceChildren(cells[4], neverStarted
      ? el('span', {class: 'bm-muted'}, email.due ? t('dueText', {when: t.moment(email.due)}) : '')
      : progressBar(email, t));
    if (!before || isRunning(before) !== isRunning(email)) {
      keepingFocus(cells[5], () => replaceChildren(cells[5], actions(email)), () => cells[5].querySelector('button'));
    }
    row.dataset.state = email.state;
  }

  function newRow(email) {
    const labels = ['columnSubject', 'columnSendTo', 'columnSubmitted', 'columnState', 'columnProgress', 'columnActions'];
    return el('tr', {'data-email-id': email.id}, labels.map((label) => el('td', {'data-label': t(label)})));
  }

  function show(email) {
    const before = known.get(email.id);
    known.set(email.id, email);
    let row = rows.querySelector(`tr[data-email-id="${email.id}"]`);
    if (!row) {
      row = newRow(email);
      const newer = [...rows.children].find((other) => Number(other.dataset.emailId) < email.id);
      rows.insertBefore(row, newer || null);
    }
    fill(row, email, before);
    announceChange(before, email);
    if (before && before.state === 'SCHEDULED' && email.state !== 'SCHEDULED') onScheduleChange();
  }

  function schedulePoll() {
    clearTimeout(timer);
    if ([...known.values()].some(isActive)) timer = setTimeout(refresh, pollMilliseconds);
  }

  function reflectEmpty() {
    table.hidden = !known.size;
    empty.hidden = Boolean(known.size);
    more.hidden = !olderAvailable;
  }

  async function loadPage(number) {
    const page = await api.get(`emails/?page=${number}&page_size=${PAGE_SIZE}`);
    page.results.forEach(show);
    if (number >= pagesLoaded) olderAvailable = Boolean(page.next);
    pagesLoaded = Math.max(pagesLoaded, number);
    return new Set(page.results.map((email) => email.id));
  }

  async function refresh() {
    try {
      const onFirstPage = await loadPage(1);
      const elsewhere = [...known.values()].filter((email) => isActive(email) && !onFirstPage.has(email.id));
      (await Promise.all(elsewhere.map((email) => api.get(`emails/${email.id}/`)))).forEach(show);
      reflectEmpty();
    } catch (error) {
      notices.error(notices.explain(error));
    }
    schedulePoll();
  }

  async function loadMore() {
    if (isHeld(more)) return;
    hold(more, true);
    try {
      await loadPage(pagesLoaded + 1);
      reflectEmpty();
    } catch (error) {
      notices.error(notices.explain(error));
    } finally {
      hold(more, false);
    }
  }

  function term(label, value) {
    return [el('dt', {}, label), el('dd', {}, value)];
  }

  async function failuresBlock(email) {
    if (!email.counts.failed) return null;
    const page = await api.get(`emails/${email.id}/deliveries/?status=failed&page_size=100`);
    return el('section', {class: 'bm-failures', 'aria-labelledby': 'bm-failures-heading'},
      el('h3', {id: 'bm-failures-heading'}, t.plural('failuresHeading', page.count)),
      el('div', {class: 'bm-table-scroll'}, el('table', {class: 'bm-table'},
        el('thead', {}, el('tr', {},
          el('th', {scope: 'col'}, t('columnRecipient')),
          el('th', {scope: 'col'}, t('columnAttempts')),
          el('th', {scope: 'col'}, t('columnError')))),
        el('tbody', {}, page.results.map((delivery) => el('tr', {},
          el('td', {'data-label': t('columnRecipient')}, `${delivery.username} <${delivery.email}>`),
          el('td', {'data-label': t('columnAttempts')}, t.number(delivery.attempts)),
          el('td', {'data-label': t('columnError')}, delivery.last_error)))))),
      page.count > page.results.length ? el('p', {}, t('moreFailures')) : null);
  }

  async function showDetails(id) {
    try {
      const email = await api.get(`emails/${id}/`);
      const facts = el('dl', {class: 'bm-facts'},
        term(t('columnState'), badge(email)),
        term(t('columnSendTo'), targetLabels(email)),
        term(t('columnAuthor'), authorName(email)),
        term(t('createdLabel'), t.moment(email.created)),
        email.due ? term(t('columnSendDate'), t.moment(email.due)) : null,
        email.started_at ? term(t('startedLabel'), t.moment(email.started_at)) : null,
        email.finished_at ? term(t('finishedLabel'), t.moment(email.finished_at)) : null,
        term(t('columnProgress'), countsText(email, t)),
        email.suppressed_note ? term(t('suppressedLabel'), email.suppressed_note) : null,
        email.failure_reason ? term(t('failureReasonLabel'), email.failure_reason) : null);
      const download = el('p', {}, el('a', {href: api.url(`emails/${id}/deliveries.csv`), download: ''},
        t('deliveriesCsv')));
      await dialogs.showEmail({
        heading: t('detailsHeading'),
        subject: email.subject,
        html: email.body,
        details: [facts, await failuresBlock(email), download],
      });
    } catch (error) {
      notices.error(notices.explain(error));
    }
  }

  more.addEventListener('click', loadMore);

  return {refresh};
}

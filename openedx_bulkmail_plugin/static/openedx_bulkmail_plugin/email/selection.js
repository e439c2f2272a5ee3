/**
 * Who the email goes to: the groups, the named learners and the filters together, with
 * the live count of everyone they reach (one request per change, the latest one wins)
 * and "See who", the first hundred of them.
 *
 * The count is asked for alone (recipients/count/), so a large course answers at once; the
 * list of names (recipients/) follows at once for a small course or named learners (who
 * need their marks), else when "See who" opens. An estimated count says "about" and is asked for again until the exact
 * one replaces it; a recent one says when it was made. Before a send is confirmed, the
 * count is made exactly, now.
 */
import {createFilters} from './filters.js';
import {countNote, createGroupPicker} from './groups.js';
import {createIndividuals, reasonText} from './individuals.js';
import {debounce, el} from './dom.js';
import {ApiError} from './api.js';

export function createSelection(root, {api, t, notices, dialogs}) {
  const total = root.querySelector('[data-total]');
  const seeWho = root.querySelector('[data-see-who]');
  const ASK_AGAIN_MS = 3000;
  const MOST_ASKS = 40;
  let latestRequest = 0;
  let lastAnswer = null;
  const refreshSoon = debounce(() => refresh(), 300);
  const groups = createGroupPicker(root, {api, t, notices, onChange: refreshSoon});
  const individuals = createIndividuals(root, {t, notices, onChange: refreshSoon});
  const filters = createFilters(root, {onChange: refreshSoon});

  function current() {
    return {targets: groups.selected(), individuals: individuals.entries(), filters: filters.selected()};
  }

  function isEmpty(selection) {
    return !(selection.targets || []).length && !(selection.individuals || []).length;
  }

  async function preview(selection = current()) {
    return api.post('recipients/', selection);
  }

  async function countOf(selection, exact = false) {
    return api.post('recipients/count/', {...selection, exact});
  }

  function showFilterError(problems) {
    const keys = typeof problems === 'object' && !Array.isArray(problems) ? Object.keys(problems) : [];
    filters.showError(Object.values(problems).flat().join(' '), keys);
  }

  function showProblem(error) {
    if (error instanceof ApiError && error.status === 400 && error.fields.filters) {
      showFilterError(error.fields.filters);
    }
    total.textContent = notices.explain(error);
  }

  async function refresh() {
    const selection = current();
    const request = ++latestRequest;
    filters.showError('');
    seeWho.hidden = true;
    lastAnswer = null;
    if (isEmpty(selection)) {
      total.textContent = t('totalNone');
      individuals.mark({});
      return;
    }
    total.textContent = t('totalCounting');
    try {
      const answer = await countOf(selection);
      if (request !== latestRequest) return;
      individuals.mark(answer);
      showTotal(answer, selection, request, 0);
      // A small course (counted exactly, now) lists its first names at once too, as named learners need.
      if (answer.count_status === 'exact' || (selection.individuals || []).length) markNamed(selection, request);
    } catch (error) {
      if (request === latestRequest) showProblem(error);
    }
  }

  function showTotal(answer, selection, request, asks) {
    total.textContent = totalText(answer);
    seeWho.hidden = !answer.count;
    if (answer.count_status !== 'estimate' || asks >= MOST_ASKS) return;
    setTimeout(async () => {
      if (request !== latestRequest) return;
      try {
        const newer = await countOf(selection);
        if (request === latestRequest) showTotal(newer, selection, request, asks + 1);
      } catch (error) {
        // The estimate stays on screen until the selection changes.
      }
    }, ASK_AGAIN_MS);
  }

  /** The named learners' marks (not found, left out and why) come with the list of names. */
  async function markNamed(selection, request) {
    try {
      const answer = await preview(selection);
      if (request !== latestRequest) return;
      lastAnswer = answer;
      individuals.mark(answer);
    } catch (error) {
      // The count is on screen; "See who" asks again.
    }
  }

  function totalText(answer) {
    const estimate = answer.count_status === 'estimate';
    const parts = [t.plural(estimate ? 'totalPeopleAbout' : 'totalPeople', answer.count)];
    const note = countNote(t, answer);
    if (note) parts.push(note);
    if (answer.not_found.length) parts.push(t.plural('notFoundCount', answer.not_found.length));
    if (!answer.count && Object.keys(filters.selected()).length) parts.push(t('noneMeetFilters'));
    return parts.join(' ');
  }

  function peopleTable(recipients) {
    return el('div', {class: 'bm-table-scroll'}, el('table', {class: 'bm-table'},
      el('thead', {}, el('tr', {},
        el('th', {scope: 'col'}, t('columnUsername')),
        el('th', {scope: 'col'}, t('columnName')),
        el('th', {scope: 'col'}, t('columnEmail')))),
      el('tbody', {}, recipients.map((person) => el('tr', {},
        el('td', {'data-label': t('columnUsername')}, person.username),
        el('td', {'data-label': t('columnName')}, person.name),
        el('td', {'data-label': t('columnEmail')}, person.email))))));
  }

  function whoBody(answer) {
    return el('div', {class: 'bm-who'},
      el('p', {}, answer.count > answer.recipients.length
        ? t('firstRecipients', {shown: t.number(answer.recipients.length), count: t.number(answer.count)})
        : t.plural('totalPeople', answer.count)),
      countNote(t, answer) ? el('p', {class: 'bm-muted'}, countNote(t, answer)) : null,
      peopleTable(answer.recipients),
      answer.not_found.length ? [el('h3', {}, t('notFoundHeading')), el('p', {}, answer.not_found.join(', '))] : null,
      answer.excluded.length ? [el('h3', {}, t('excludedHeading')), el('ul', {}, answer.excluded.map(
        (item) => el('li', {}, `${item.username}: ${reasonText(t, item.reason)}`)))] : null);
  }

  seeWho.addEventListener('click', async () => {
    try {
      const answer = lastAnswer || await preview();
      await dialogs.show({heading: t('seeWhoHeading'), body: whoBody(answer)});
    } catch (error) {
      notices.error(notices.explain(error));
    }
  });

  return {
    async load() {
      await groups.load();
      await refresh();
    },
    current,
    isEmpty,
    missing: () => individuals.missing(),
    set({targets = [], individuals: named = [], filters: chosen = {}} = {}) {
      groups.select(targets);
      individuals.set(named);
      filters.set(chosen);
      refresh();
    },
    showErrors(fields) {
      if (fields.individuals) individuals.showError([fields.individuals].flat().join(' '));
      if (fields.not_found) individuals.mark({not_found: fields.not_found});
      if (fields.targets) groups.setInvalid(true);
      if (fields.filters) showFilterError(fields.filters);
    },
    clearErrors() {
      groups.setInvalid(false);
      individuals.showError('');
      filters.showError('');
    },
    focus(field) {
      if (field === 'individuals') individuals.focus();
      else if (field === 'filters') filters.focus();
      else groups.focus();
    },
  };
}

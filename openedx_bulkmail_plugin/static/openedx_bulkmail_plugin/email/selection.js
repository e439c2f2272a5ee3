/**
 * Who the email goes to: the groups, the named learners and the filters together, with
 * the live count of everyone they reach (one request per change, the latest one wins)
 * and "See who", the first hundred of them.
 */
import {createFilters} from './filters.js';
import {createGroupPicker} from './groups.js';
import {createIndividuals, reasonText} from './individuals.js';
import {debounce, el} from './dom.js';
import {ApiError} from './api.js';

export function createSelection(root, {api, t, notices, dialogs}) {
  const total = root.querySelector('[data-total]');
  const seeWho = root.querySelector('[data-see-who]');
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
      const answer = await preview(selection);
      if (request !== latestRequest) return;
      lastAnswer = answer;
      individuals.mark(answer);
      total.textContent = totalText(answer);
      seeWho.hidden = !answer.count;
    } catch (error) {
      if (request === latestRequest) showProblem(error);
    }
  }

  function totalText(answer) {
    const parts = [t.plural('totalPeople', answer.count)];
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

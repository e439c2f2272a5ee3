/**
 * The "Send to" checkboxes, and the live, de-duplicated total of the selection.
 */
import {repeated} from './api.js';
import {debounce, el, replaceChildren} from './dom.js';

export function createGroupPicker(root, {api, t, notices}) {
  const list = root.querySelector('[data-groups]');
  const total = root.querySelector('[data-total]');
  let latestRequest = 0;

  function checkboxes() {
    return [...list.querySelectorAll('input[type="checkbox"]')];
  }

  function selected() {
    return checkboxes().filter((box) => box.checked).map((box) => box.value);
  }

  async function count(targets) {
    if (!targets.length) return 0;
    const answer = await api.get(`recipients/?${repeated('target', targets)}`);
    return answer.count;
  }

  async function refreshTotal() {
    const targets = selected();
    const request = ++latestRequest;
    if (!targets.length) {
      total.textContent = t('totalNone');
      return;
    }
    total.textContent = t('totalCounting');
    try {
      const people = await count(targets);
      if (request === latestRequest) total.textContent = t.plural('totalPeople', people);
    } catch (error) {
      if (request === latestRequest) total.textContent = notices.explain(error);
    }
  }
  const refreshSoon = debounce(refreshTotal, 300);

  function groupRow(group, index) {
    const id = `bm-group-${index}`;
    return el('div', {class: 'bm-group'},
      el('input', {type: 'checkbox', id, value: group.key, 'aria-describedby': `${id}-about`, onchange: refreshSoon}),
      el('label', {for: id},
        el('span', {class: 'bm-group__label'}, group.label),
        ' ',
        el('span', {class: 'bm-group__count'}, t.plural('groupCount', group.count))),
      el('p', {class: 'bm-group__about', id: `${id}-about`}, group.description));
  }

  return {
    async load() {
      replaceChildren(list, el('p', {class: 'bm-muted'}, t('loadingGroups')));
      try {
        const answer = await api.get('groups/');
        replaceChildren(list, answer.groups.map(groupRow));
      } catch (error) {
        replaceChildren(list, el('p', {class: 'bm-field-error'}, notices.explain(error)));
      }
      await refreshTotal();
    },
    selected,
    count,
    select(keys) {
      checkboxes().forEach((box) => { box.checked = keys.includes(box.value); });
      refreshTotal();
    },
    focus() {
      const first = checkboxes()[0];
      if (first) first.focus();
    },
  };
}

/**
 * The "Send to" checkboxes, one per recipient group with its own live count.
 *
 * A large course's counts may be an estimate (said "about", and asked for again until the
 * exact ones replace it) or an exact count made a little earlier (said with its time):
 * never shown as the number a send would reach now.
 */
import {el, replaceChildren} from './dom.js';

const ASK_AGAIN_MS = 3000;
const MOST_ASKS = 40;

/** The words for a count of the API: "about" for an estimate, the time for a recent count. */
export function countNote(t, answer) {
  if (answer.count_status === 'estimate') return t('countEstimated');
  if (answer.count_status === 'recent') return t('countedAt', {time: t.moment(answer.counted_at)});
  return '';
}

export function createGroupPicker(root, {api, t, notices, onChange}) {
  const list = root.querySelector('[data-groups]');
  let asks = 0;

  function checkboxes() {
    return [...list.querySelectorAll('input[type="checkbox"]')];
  }

  function countText(group, status) {
    return t.plural(status === 'estimate' ? 'groupCountAbout' : 'groupCount', group.count);
  }

  function groupRow(group, index, status) {
    const id = `bm-group-${index}`;
    return el('div', {class: 'bm-group'},
      el('input', {type: 'checkbox', id, value: group.key, 'aria-describedby': `${id}-about`, onchange: onChange}),
      el('label', {for: id},
        el('span', {class: 'bm-group__label'}, group.label),
        ' ',
        el('span', {class: 'bm-group__count', 'data-count-of': group.key}, countText(group, status))),
      el('p', {class: 'bm-group__about', id: `${id}-about`}, group.description));
  }

  function note(answer) {
    const text = countNote(t, answer);
    const paragraph = el('p', {class: 'bm-muted', 'data-groups-note': ''}, text);
    paragraph.hidden = !text;
    return paragraph;
  }

  /** Newer counts written into the rows in place, so that no checkbox loses its state or focus. */
  function update(answer) {
    answer.groups.forEach((group) => {
      const count = [...list.querySelectorAll('[data-count-of]')].find((span) => span.dataset.countOf === group.key);
      if (count) count.textContent = countText(group, answer.count_status);
    });
    const shown = list.querySelector('[data-groups-note]');
    if (shown) {
      shown.textContent = countNote(t, answer);
      shown.hidden = !shown.textContent;
    }
  }

  async function askAgainLater() {
    if (asks >= MOST_ASKS) return;
    asks += 1;
    setTimeout(async () => {
      try {
        const answer = await api.get('groups/');
        update(answer);
        if (answer.count_status === 'estimate') askAgainLater();
      } catch (error) {
        // The estimate stays on screen; the next page load asks again.
      }
    }, ASK_AGAIN_MS);
  }

  return {
    async load() {
      replaceChildren(list, el('p', {class: 'bm-muted'}, t('loadingGroups')));
      try {
        const answer = await api.get('groups/');
        const rows = answer.groups.map((group, index) => groupRow(group, index, answer.count_status));
        replaceChildren(list, [...rows, note(answer)]);
        if (answer.count_status === 'estimate') askAgainLater();
      } catch (error) {
        replaceChildren(list, el('p', {class: 'bm-field-error'}, notices.explain(error)));
      }
    },
    selected() {
      return checkboxes().filter((box) => box.checked).map((box) => box.value);
    },
    select(keys) {
      checkboxes().forEach((box) => { box.checked = keys.includes(box.value); });
    },
    setInvalid(invalid) {
      checkboxes().forEach((box) => {
        if (invalid) box.setAttribute('aria-invalid', 'true');
        else box.removeAttribute('aria-invalid');
      });
    },
    focus() {
      const first = checkboxes()[0];
      if (first) first.focus();
    },
  };
}

/**
 * The "Send to" checkboxes, one per recipient group with its own live count.
 */
import {el, replaceChildren} from './dom.js';

export function createGroupPicker(root, {api, t, notices, onChange}) {
  const list = root.querySelector('[data-groups]');

  function checkboxes() {
    return [...list.querySelectorAll('input[type="checkbox"]')];
  }

  function groupRow(group, index) {
    const id = `bm-group-${index}`;
    return el('div', {class: 'bm-group'},
      el('input', {type: 'checkbox', id, value: group.key, 'aria-describedby': `${id}-about`, onchange: onChange}),
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

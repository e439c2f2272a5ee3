/**
 * Named learners: added by pasting usernames or addresses or by choosing a CSV file, shown
 * as removable chips; the ones the server could not find are flagged before sending.
 */
import {ListFileError, MAX_ENTRIES, entriesOfFile, entriesOfText} from './csvlist.js';
import {el, replaceChildren} from './dom.js';

/** Why a named person would get nothing, in the instructor's words. */
export function reasonText(t, reason) {
  if (reason === 'not_activated') return t('excludedNotActivated');
  if (reason === 'disabled') return t('excludedDisabled');
  if (reason === 'opted_out') return t('excludedOptedOut');
  return t('excludedFilteredOut');
}

export function createIndividuals(root, {t, notices, onChange}) {
  const input = root.querySelector('[data-individuals-input]');
  const addButton = root.querySelector('[data-individuals-add]');
  const fileInput = root.querySelector('[data-individuals-file]');
  const chips = root.querySelector('[data-individuals-chips]');
  const error = root.querySelector('[data-error-for="individuals"]');
  let entries = [];
  let notFound = new Set();
  let excluded = new Map();

  function showError(message) {
    error.textContent = message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  function flag(entry) {
    if (notFound.has(entry)) return {kind: 'missing', text: t('chipNotFound')};
    const reason = excluded.get(entry);
    return reason ? {kind: 'excluded', text: reasonText(t, reason)} : null;
  }

  function chip(entry) {
    const mark = flag(entry);
    return el('li', {class: `bm-chip${mark ? ` bm-chip--${mark.kind}` : ''}`, 'data-entry': entry},
      el('span', {class: 'bm-chip__text'}, entry),
      mark ? el('span', {class: 'bm-chip__flag'}, `(${mark.text})`) : null,
      el('button', {
        type: 'button', class: 'bm-chip__remove', 'aria-label': t('removeLearner', {entry}),
        onclick: (event) => remove(entry, event.currentTarget),
      }, '\u00d7'));
  }

  function render() {
    replaceChildren(chips, entries.map(chip));
  }

  function remove(entry, button) {
    const next = button.closest('li').nextElementSibling || button.closest('li').previousElementSibling;
    entries = entries.filter((other) => other !== entry);
    render();
    const focusTarget = next && chips.querySelector(`li[data-entry="${CSS.escape(next.dataset.entry)}"] button`);
    (focusTarget || input).focus();
    notices.announce(t('learnerRemoved', {entry}));
    onChange();
  }

  function add(newEntries) {
    const known = new Set(entries);
    const fresh = newEntries.filter((entry) => !known.has(entry) && known.add(entry));
    if (entries.length + fresh.length > MAX_ENTRIES) {
      showError(t('tooManyLearners', {limit: t.number(MAX_ENTRIES)}));
      return;
    }
    showError('');
    entries = entries.concat(fresh);
    render();
    notices.announce(t.plural('learnersAdded', fresh.length));
    onChange();
  }

  async function addFile() {
    const [file] = fileInput.files;
    fileInput.value = '';
    if (!file) return;
    try {
      add(await entriesOfFile(file));
    } catch (failure) {
      if (!(failure instanceof ListFileError)) throw failure;
      const values = {...failure.values, count: t.number(failure.values.count || 0),
        limit: t.number(failure.values.limit || MAX_ENTRIES), file: file.name};
      showError(t(failure.reason, values));
    }
  }

  addButton.addEventListener('click', () => {
    add(entriesOfText(input.value));
    input.value = '';
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      addButton.click();
    }
  });
  fileInput.addEventListener('change', addFile);

  return {
    entries: () => [...entries],
    set(list) {
      entries = [...list];
      notFound = new Set();
      excluded = new Map();
      showError('');
      render();
    },
    /** Flag what the server's last answer said about the named entries. */
    mark(answer) {
      notFound = new Set(answer.not_found || []);
      excluded = new Map((answer.excluded || []).map((item) => [item.username, item.reason]));
      render();
    },
    missing: () => entries.filter((entry) => notFound.has(entry)),
    showError,
    focus: () => input.focus(),
  };
}

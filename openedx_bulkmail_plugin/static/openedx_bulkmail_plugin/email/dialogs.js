/**
 * Modal dialogs on the native <dialog> element: focus moves in when one opens, Escape
 * closes it, the page behind is inert, and focus returns to what opened it.
 *
 * Email bodies are shown only inside an iframe sandboxed with no permissions at all.
 */
import {el, replaceChildren} from './dom.js';

export function createDialogs(root, t) {
  const dialog = root.querySelector('[data-dialog]');
  const title = dialog.querySelector('[data-dialog-title]');
  const content = dialog.querySelector('[data-dialog-content]');
  const actions = dialog.querySelector('[data-dialog-actions]');

  function open({heading, body, buttons, wide = false, focus = null}) {
    const opener = document.activeElement;
    title.textContent = heading;
    replaceChildren(content, body);
    replaceChildren(actions, buttons);
    dialog.classList.toggle('bm-dialog--wide', wide);
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => {
        if (opener && opener.isConnected) opener.focus();
        resolve(dialog.returnValue);
      }, {once: true});
      dialog.returnValue = '';
      dialog.showModal();
      const first = focus || actions.querySelector('[autofocus]') || actions.querySelector('button');
      if (first) first.focus();
    });
  }

  function closeButton(label, value, {primary = false, danger = false, focus = false} = {}) {
    const classes = ['bm-button', primary ? 'bm-button--primary' : '', danger ? 'bm-button--danger' : ''];
    return el('button', {
      type: 'button',
      class: classes.join(' ').trim(),
      autofocus: focus,
      onclick: () => dialog.close(value),
    }, label);
  }

  return {
    /** Ask a yes/no question; resolves true only when the instructor confirmed. */
    async confirm({heading, message, confirmLabel, danger = false}) {
      const answer = await open({
        heading,
        body: el('p', {class: 'bm-dialog__message'}, message),
        buttons: [
          closeButton(t('cancel'), 'no', {focus: danger}),
          closeButton(confirmLabel, 'yes', {primary: !danger, danger, focus: !danger}),
        ],
      });
      return answer === 'yes';
    },
    /** Show an email as its recipients would see it. */
    showEmail({heading, subject, html, details = null}) {
      const frame = el('iframe', {class: 'bm-message-frame', sandbox: '', title: t('messageFrameTitle')});
      frame.srcdoc = html;
      return open({
        heading,
        wide: true,
        body: [
          el('p', {class: 'bm-dialog__subject'}, el('span', {class: 'bm-label'}, t('subjectLabel')), ' ', subject),
          details,
          frame,
        ],
        buttons: [closeButton(t('close'), 'close', {primary: true, focus: true})],
      });
    },
    /**
     * Ask for one line of text, such as a template's name. ``submit(value)`` saves it and
     * answers an error message to show in the dialog (which stays open), or nothing.
     * Resolves true once submitted, false when cancelled.
     */
    async ask({heading, label, value = '', confirmLabel, maxLength = 100, submit}) {
      const field = el('input', {type: 'text', id: 'bm-ask-input', class: 'bm-input', maxlength: maxLength,
        autocomplete: 'off', 'aria-describedby': 'bm-ask-error'});
      field.value = value;
      const error = el('p', {class: 'bm-field-error', id: 'bm-ask-error', role: 'alert'});
      const confirmButton = el('button', {type: 'submit', form: 'bm-ask-form', class: 'bm-button bm-button--primary'},
        confirmLabel);
      const form = el('form', {id: 'bm-ask-form', class: 'bm-ask', novalidate: true, onsubmit: async (event) => {
        event.preventDefault();
        if (confirmButton.getAttribute('aria-disabled') === 'true') return;
        confirmButton.setAttribute('aria-disabled', 'true');
        const problem = await submit(field.value).finally(() => confirmButton.removeAttribute('aria-disabled'));
        error.textContent = problem || '';
        if (!problem) dialog.close('yes');
        else {
          field.setAttribute('aria-invalid', 'true');
          field.focus();
        }
      }}, el('label', {for: 'bm-ask-input', class: 'bm-label'}, label), field, error);
      const answer = await open({heading, body: form, buttons: [closeButton(t('cancel'), 'no'), confirmButton],
        focus: field});
      return answer === 'yes';
    },
    /** Show any content built with ``el``. */
    show({heading, body, wide = true}) {
      return open({heading, body, wide, buttons: [closeButton(t('close'), 'close', {primary: true, focus: true})]});
    },
  };
}

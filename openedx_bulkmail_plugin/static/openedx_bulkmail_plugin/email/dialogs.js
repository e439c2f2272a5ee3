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

  function open({heading, body, buttons, wide = false}) {
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
      const first = actions.querySelector('[autofocus]') || actions.querySelector('button');
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
    /** Show any content built with ``el``. */
    show({heading, body, wide = true}) {
      return open({heading, body, wide, buttons: [closeButton(t('close'), 'close', {primary: true, focus: true})]});
    },
  };
}

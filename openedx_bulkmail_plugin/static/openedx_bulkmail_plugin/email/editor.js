/**
 * A small rich-text editor with an HTML source view.
 *
 * The editable document lives in an iframe sandboxed without scripts, so HTML loaded from
 * a stored email (for editing) can never run in the instructor's session; the page drives
 * it from outside with the browser's editing commands. Its body is contenteditable rather
 * than the document in designMode, so Tab and Shift+Tab leave it like any text field.
 */
import {createToolbar} from './toolbar.js';

const FRAME_DOCUMENT = `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'">
<style>body{font:16px/1.5 system-ui,sans-serif;margin:.75rem;color:#1f2933;min-height:12rem}
body:focus{outline:3px solid #b35900;outline-offset:-3px}h2{font-size:1.4em}h3{font-size:1.15em}a{color:#0a5d8f}</style>
</head><body></body></html>`;

export function createEditor(root, t) {
  const frame = root.querySelector('[data-editor-frame]');
  const source = root.querySelector('[data-editor-source]');
  const toggle = root.querySelector('[data-editor-toggle]');
  const buttons = [...root.querySelectorAll('[data-command]')];
  const toolbar = createToolbar(root.querySelector('[role="toolbar"]'));
  let sourceMode = false;
  let pendingHtml = '';

  const ready = new Promise((resolve) => {
    frame.addEventListener('load', () => {
      const body = frame.contentDocument.body;
      body.contentEditable = 'true';
      body.setAttribute('role', 'textbox');
      body.setAttribute('aria-multiline', 'true');
      body.setAttribute('aria-label', t('messageLabel'));
      body.innerHTML = pendingHtml;
      frame.contentDocument.addEventListener('selectionchange', reflectState);
      frame.contentDocument.addEventListener('keydown', leaveWithEscape);
      resolve();
    }, {once: true});
  });
  frame.srcdoc = FRAME_DOCUMENT;

  function documentBody() {
    return frame.contentDocument && frame.contentDocument.body;
  }

  function leaveWithEscape(event) {
    if (event.key === 'Escape') toolbar.focus();
  }

  function reflectState() {
    for (const button of buttons) {
      if (!button.hasAttribute('aria-pressed')) continue;
      button.setAttribute('aria-pressed', String(frame.contentDocument.queryCommandState(button.dataset.command)));
    }
  }

  function focusFrame() {
    frame.contentWindow.focus();
    if (documentBody()) documentBody().focus();
  }

  function run(command, value) {
    focusFrame();
    frame.contentDocument.execCommand(command, false, value);
    reflectState();
  }

  function onCommand(event) {
    const button = event.currentTarget;
    const command = button.dataset.command;
    if (command === 'createLink') {
      const address = window.prompt(t('linkPrompt'), 'https://');
      if (address && address !== 'https://') run('createLink', address);
      return;
    }
    run(command, button.dataset.value);
  }

  function showSource(on) {
    sourceMode = on;
    if (on) {
      source.value = documentBody().innerHTML;
    } else {
      documentBody().innerHTML = source.value;
    }
    source.hidden = !on;
    frame.hidden = on;
    buttons.forEach((button) => { button.disabled = on; });
    toggle.setAttribute('aria-pressed', String(on));
    toolbar.refresh();
    if (on) source.focus();
    else focusFrame();
  }

  buttons.forEach((button) => {
    button.addEventListener('mousedown', (event) => event.preventDefault());
    button.addEventListener('click', onCommand);
  });
  toggle.addEventListener('click', () => showSource(!sourceMode));

  return {
    ready,
    html() {
      return sourceMode ? source.value : (documentBody() ? documentBody().innerHTML : pendingHtml);
    },
    setHtml(html) {
      pendingHtml = html;
      source.value = html;
      if (documentBody()) documentBody().innerHTML = html;
    },
    isBlank() {
      const html = this.html();
      return !html.replace(/<br\s*\/?>|&nbsp;|<\/?(p|div)>|\s/gi, '');
    },
    focus() {
      if (sourceMode) source.focus();
      else focusFrame();
    },
    setInvalid(invalid) {
      root.classList.toggle('bm-editor--invalid', invalid);
      for (const node of [source, documentBody()]) {
        if (!node) continue;
        if (invalid) node.setAttribute('aria-invalid', 'true');
        else node.removeAttribute('aria-invalid');
      }
    },
  };
}

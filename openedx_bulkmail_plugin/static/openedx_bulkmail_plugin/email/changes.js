/**
 * Noticing that the instructor changed the email being written, wherever the change
 * happens: a field of the form, the message editor (a document of its own, inside an
 * iframe, whose events do not reach the form) or the named learners' chips (added and
 * removed by script, which fires no form event).
 *
 * Only what people do is reported: filling the form by script fires none of these
 * events; chips re-drawn by script are reported, and callers compare content anyway.
 */

/** Call ``callback`` after every change the instructor makes to the compose form. */
export function onComposeChange(root, callback) {
  const form = root.querySelector('[data-compose]');
  const frame = root.querySelector('[data-editor-frame]');
  form.addEventListener('input', callback);
  form.addEventListener('change', callback);
  new MutationObserver(callback).observe(root.querySelector('[data-individuals-chips]'), {childList: true});

  function watchEditor() {
    const body = frame.contentDocument && frame.contentDocument.body;
    // Before the editor's own load handler ran, the frame still holds about:blank.
    if (!body || !body.isContentEditable) return false;
    body.addEventListener('input', callback);
    return true;
  }
  if (!watchEditor()) frame.addEventListener('load', watchEditor, {once: true});
}

/**
 * One place that tells the instructor what happened: quiet news, problems, and the
 * polite announcements a screen reader reads when it has a moment.
 */
import {ApiError, messagesOf} from './api.js';

export function createNotices(root, t) {
  const banner = root.querySelector('[data-notice]');
  const announcer = root.querySelector('[data-announcer]');

  function show(message, kind) {
    banner.hidden = false;
    banner.className = `bm-notice bm-notice--${kind}`;
    banner.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    banner.textContent = message;
  }

  return {
    success: (message) => show(message, 'success'),
    error: (message) => show(message, 'error'),
    clear() {
      banner.hidden = true;
      banner.textContent = '';
    },
    announce(message) {
      announcer.textContent = '';
      window.setTimeout(() => { announcer.textContent = message; }, 50);
    },
    /** The message a failed call deserves, preferring the server's own words. */
    explain(error) {
      if (!(error instanceof ApiError)) return t('errorNetwork');
      if (typeof error.fields.detail === 'string') return error.fields.detail;
      if (error.status === 401) return t('errorSession');
      if (error.status === 403) return t('errorForbidden');
      if (error.status === 404) return t('errorGone');
      if (error.status === 409) return t('errorConflict');
      if (error.status >= 500) return t('errorServer');
      return messagesOf(error.fields)[0] || t('errorServer');
    },
  };
}

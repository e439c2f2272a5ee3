/**
 * One place that tells the instructor what happened: quiet news, problems, and the
 * polite announcements a screen reader reads when it has a moment.
 */
import {ApiError, messagesOf} from './api.js';

export function createNotices(root, t) {
  // A status and an alert region, both in the page from load, so a message written into
  // either is announced: a region that gets its role and its text at once often is not.
  const banners = {success: root.querySelector('[data-notice="success"]'), error: root.querySelector('[data-notice="error"]')};
  const announcer = root.querySelector('[data-announcer]');
  // What the success banner is about (such as "email:12"), so news of it can replace it.
  let topic = null;

  function show(message, kind, about = null) {
    Object.entries(banners).forEach(([each, banner]) => { if (each !== kind) banner.textContent = ''; });
    banners[kind].textContent = message;
    topic = kind === 'success' ? about : null;
  }

  return {
    success: (message, about) => show(message, 'success', about),
    error: (message) => show(message, 'error'),
    /** Replace the success banner with ``message`` if it still speaks of ``about``; else nothing. */
    replace(about, message) {
      if (topic === about && banners.success.textContent) show(message, 'success', about);
    },
    clear() {
      Object.values(banners).forEach((banner) => { banner.textContent = ''; });
      topic = null;
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

/**
 * The once-a-week guard: under the recipient total, how many emails of this course some
 * learners of the selection already have within a week of this one (sent or scheduled).
 * It only warns; the send buttons never depend on it.
 *
 * It asks again shortly after the total changes (any change of the selection ends there)
 * and when the send time changes, so the week it counts is the week of the send.
 */
import {debounce} from './dom.js';

const PAUSE_MILLISECONDS = 500;

export function createGuard(root, {api, t, compose}) {
  const warning = root.querySelector('[data-recent-emails]');
  const total = root.querySelector('[data-total]');
  let latest = 0;

  async function check() {
    const request = ++latest;
    const {targets, individuals, filters} = compose.content();
    if (!targets.length && !individuals.length) {
      warning.textContent = '';
      return;
    }
    try {
      const answer = await api.post('recipients/recent/', {
        targets, individuals, filters, schedule: compose.schedule(), exclude: compose.editingId(),
      });
      if (request !== latest) return;
      // A very large course is counted per send, not per learner: an upper bound, worded as one.
      const words = answer.exact === false ? 'recentEmailsUpTo' : 'recentEmails';
      warning.textContent = answer.warn
        ? `${t.plural(words, answer.count, {days: t.number(answer.window_days)})} ${t('recentEmailsAdvice')}`
        : '';
    } catch (error) {
      // The count above reports what is wrong with a selection; the guard just says nothing.
      if (request === latest) warning.textContent = '';
    }
  }

  const checkSoon = debounce(check, PAUSE_MILLISECONDS);
  new MutationObserver(checkSoon).observe(total, {childList: true, characterData: true, subtree: true});
  root.querySelector('[data-compose]').querySelector('.bm-when').addEventListener('change', checkSoon);

  return {check};
}

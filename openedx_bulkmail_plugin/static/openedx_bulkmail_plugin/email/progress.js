/**
 * A send's state badge and its progress bar with sent, failed, skipped and suppressed counts.
 */
import {el} from './dom.js';

export const RUNNING_STATES = ['QUEUING', 'PENDING', 'STARTED', 'PROGRESS'];

export function isRunning(email) {
  return RUNNING_STATES.includes(email.state);
}

export function badge(email) {
  return el('span', {class: `bm-badge bm-badge--${email.state.toLowerCase()}`}, email.state_label);
}

export function countsText(email, t) {
  const {total, sent, failed, skipped} = email.counts;
  const suppressed = email.counts.suppressed || 0;
  return t(suppressed ? 'countsWithSuppressedText' : 'countsText', {
    sent: t.number(sent), failed: t.number(failed), skipped: t.number(skipped),
    suppressed: t.number(suppressed), total: t.number(total),
  });
}

function segment(kind, part, total) {
  const node = el('span', {class: `bm-progress__${kind}`});
  node.style.width = `${total ? (100 * part) / total : 0}%`;
  return node;
}

export function progressBar(email, t) {
  const {total, sent, failed, skipped} = email.counts;
  const suppressed = email.counts.suppressed || 0;
  const done = sent + failed + skipped + suppressed;
  return el('div', {class: 'bm-progress-block'},
    el('div', {
      class: 'bm-progress',
      role: 'progressbar',
      'aria-label': t('progressLabel', {subject: email.subject}),
      'aria-valuemin': 0,
      'aria-valuemax': total,
      'aria-valuenow': Math.min(done, total),
      'aria-valuetext': countsText(email, t),
    }, segment('sent', sent, total), segment('failed', failed, total), segment('skipped', skipped, total),
      segment('suppressed', suppressed, total)),
    el('p', {class: 'bm-counts'}, countsText(email, t)));
}

/**
 * A send's state badge and its progress bar: sent, failed, skipped (opted out), suppressed
 * (bounced before) and, for a stopped send, the recipients it never reached.
 */
import {el} from './dom.js';

export const RUNNING_STATES = ['QUEUING', 'PENDING', 'STARTED', 'PROGRESS'];
// Before PROGRESS the ledger is still being written: its total is not the send's yet,
// though the batches written first may already be going out.
const PREPARING_STATES = ['QUEUING', 'PENDING', 'STARTED'];
const PARTS = [
  ['sent', 'countSent'], ['failed', 'countFailed'], ['skipped', 'countSkipped'],
  ['suppressed', 'countSuppressed'], ['cancelled', 'countCancelled'],
];
// Always said, even at zero; the others only when something fell into them.
const ALWAYS_SAID = ['sent', 'failed', 'skipped'];

export function isRunning(email) {
  return RUNNING_STATES.includes(email.state);
}

export function isPreparing(email) {
  return PREPARING_STATES.includes(email.state);
}

/** Whether the page should keep asking about this send: its counts may still move. */
export function isSettling(email) {
  return isRunning(email) || email.counts_final === false;
}

export function badge(email) {
  return el('span', {class: `bm-badge bm-badge--${email.state.toLowerCase()}`}, email.state_label);
}

function count(email, kind) {
  return email.counts[kind] || 0;
}

/** Recipients whose outcome is known, so the bar and the announcements agree. */
export function doneCount(email) {
  return PARTS.reduce((sum, [kind]) => sum + count(email, kind), 0);
}

export function countsText(email, t) {
  if (isPreparing(email)) {
    const sent = count(email, 'sent');
    return sent ? t('preparingSentText', {count: t.number(sent)}) : t('preparingText');
  }
  const parts = PARTS
    .filter(([kind]) => ALWAYS_SAID.includes(kind) || count(email, kind))
    .map(([kind, key]) => t(key, {count: t.number(count(email, kind))}));
  return t('countsText', {counts: parts.join(t('countsSeparator')), total: t.number(email.counts.total)});
}

function segment(kind, part, total) {
  const node = el('span', {class: `bm-progress__${kind}`});
  node.style.width = `${total ? (100 * part) / total : 0}%`;
  return node;
}

export function progressBar(email, t) {
  const {total} = email.counts;
  const preparing = isPreparing(email);
  const bar = {
    class: 'bm-progress',
    role: 'progressbar',
    'aria-label': t('progressLabel', {subject: email.subject}),
    'aria-valuetext': countsText(email, t),
  };
  if (!preparing) {
    Object.assign(bar, {'aria-valuemin': 0, 'aria-valuemax': total, 'aria-valuenow': Math.min(doneCount(email), total)});
  }
  return el('div', {class: 'bm-progress-block'},
    el('div', bar, preparing ? [] : PARTS.map(([kind]) => segment(kind, count(email, kind), total))),
    el('p', {class: 'bm-counts'}, countsText(email, t)));
}

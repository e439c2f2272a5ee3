/**
 * The Email page: reads what the server rendered into it (course, API root, strings) and
 * wires the compose form, the scheduled emails and the message history together.
 */
import {createApi} from './api.js';
import {createCompose} from './compose.js';
import {createDialogs} from './dialogs.js';
import {createDrafts} from './drafts.js';
import {createGuard} from './guard.js';
import {createHistory} from './history.js';
import {createTranslator} from './i18n.js';
import {createNotices} from './notices.js';
import {createScheduledTable} from './scheduled.js';
import {createTemplates} from './templates.js';

function readJson(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

function reportHeight() {
  if (window.parent === window) return;
  const send = () => window.parent.postMessage(
    {type: 'bulkmail:height', height: document.documentElement.scrollHeight}, window.location.origin);
  new ResizeObserver(send).observe(document.body);
  send();
}

function start() {
  const config = readJson('bulkmail-config');
  const t = createTranslator(readJson('bulkmail-strings'), config.language);
  const root = document.querySelector('[data-bulkmail]');
  const api = createApi(config.apiRoot, config.csrfToken);
  const notices = createNotices(root, t);
  const dialogs = createDialogs(root, t);
  const services = {api, t, notices, dialogs};

  let scheduled = null;
  let history = null;
  const reloadLists = () => Promise.all([scheduled.load(), history.refresh()]);
  const compose = createCompose(root, {...services, onChange: reloadLists});
  const drafts = createDrafts(root, {...services, compose, courseId: config.courseId});
  const templates = createTemplates(root, {...services, compose, drafts});
  createGuard(root, {...services, compose});
  scheduled = createScheduledTable(root, {...services, compose, onChange: reloadLists});
  history = createHistory(root, {
    ...services, pollMilliseconds: config.pollMilliseconds, onScheduleChange: () => scheduled.load(),
    onFinished: (email, counts) => notices.replace(`email:${email.id}`, t('finishedNotice', {
      subject: email.subject, state: email.state_label, counts,
    })),
  });

  // A draft reopened after a reload needs the recipient groups loaded first.
  const composing = compose.load().then(() => drafts.restore());
  Promise.all([composing, reloadLists(), templates.list()]).finally(() => {
    root.dataset.ready = 'true';
  });
  reportHeight();
}

start();

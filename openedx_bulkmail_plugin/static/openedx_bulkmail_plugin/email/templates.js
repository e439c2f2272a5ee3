/**
 * The course's templates: save the subject and message of the form as a named template,
 * start an email from one (its subject and message are copied into the form, so changing
 * the template later changes nothing already written), rename and delete them, and export
 * or import them as a JSON file.
 */
import {ApiError, messagesOf} from './api.js';
import {el, keepingFocus, replaceChildren} from './dom.js';

function editorName(template) {
  return template.modified_by ? (template.modified_by.name || template.modified_by.username) : '';
}

export function createTemplates(root, {api, t, notices, dialogs, compose, drafts}) {
  const rows = root.querySelector('[data-templates-rows]');
  const table = rows.closest('table');
  const empty = root.querySelector('[data-templates-empty]');
  const heading = root.querySelector('#bm-templates-heading');
  const fileInput = root.querySelector('[data-templates-file]');
  const replace = root.querySelector('[data-templates-replace]');
  const subjectField = root.querySelector('[data-compose]').elements.subject;

  /** The message to show in the dialog for a refused name, or nothing once saved. */
  function problemOf(error) {
    if (error instanceof ApiError && error.status === 400) return messagesOf(error.fields).join(' ');
    return notices.explain(error);
  }

  async function saveAsTemplate() {
    const {subject, body} = compose.content();
    if (!subject && !body.replace(/<br\s*\/?>|&nbsp;|<\/?(p|div)>|\s/gi, '')) {
      notices.error(t('needTemplateContent'));
      return;
    }
    let name = '';
    const saved = await dialogs.ask({
      heading: t('saveTemplateHeading'), label: t('templateNameLabel'), value: subject.slice(0, 100),
      confirmLabel: t('saveTemplateButton'),
      submit: async (value) => {
        try {
          name = (await api.post('templates/', {name: value, subject, body})).name;
          return null;
        } catch (error) {
          return problemOf(error);
        }
      },
    });
    if (!saved) return;
    notices.success(t('templateSavedNotice', {name}));
    await list();
  }

  async function use(summary) {
    try {
      const template = await api.get(`templates/${summary.id}/`);
      const {targets, individuals, filters} = compose.content();
      await drafts.leave();
      await compose.fill({subject: template.subject, body: template.body, targets, individuals, filters});
      notices.success(t('templateUsedNotice', {name: template.name}));
      subjectField.focus();
    } catch (error) {
      notices.error(notices.explain(error));
    }
  }

  async function rename(template) {
    let name = template.name;
    const renamed = await dialogs.ask({
      heading: t('renameTemplateHeading'), label: t('templateNameLabel'), value: template.name,
      confirmLabel: t('renameButton'),
      submit: async (value) => {
        try {
          name = (await api.patch(`templates/${template.id}/`, {name: value})).name;
          return null;
        } catch (error) {
          return problemOf(error);
        }
      },
    });
    if (!renamed) return;
    notices.success(t('templateRenamedNotice', {name}));
    await list();
  }

  async function remove(template) {
    const sure = await dialogs.confirm({
      heading: t('templateDeleteHeading'), message: t('templateDeleteQuestion', {name: template.name}),
      confirmLabel: t('deleteButton'), danger: true,
    });
    if (!sure) return;
    try {
      await api.remove(`templates/${template.id}/`);
      notices.success(t('templateDeletedNotice', {name: template.name}));
    } catch (error) {
      notices.error(notices.explain(error));
    }
    await list();
  }

  function importSummary(answer) {
    const parts = [];
    if (answer.created.length) parts.push(t.plural('templatesCreated', answer.created.length));
    if (answer.replaced.length) parts.push(t.plural('templatesReplaced', answer.replaced.length));
    if (answer.skipped.length) {
      parts.push(t.plural('templatesSkipped', answer.skipped.length, {names: answer.skipped.join(', ')}));
    }
    return parts.join(' ') || t('templatesNoneInFile');
  }

  async function importFile() {
    const [file] = fileInput.files;
    fileInput.value = '';
    if (!file) return;
    let document;
    try {
      document = JSON.parse(await file.text());
    } catch (error) {
      notices.error(t('templatesNotJson', {file: file.name}));
      return;
    }
    const rule = replace.checked ? 'replace' : 'skip';
    try {
      notices.success(importSummary(await api.post(`templates/import/?on_conflict=${rule}`, document)));
    } catch (error) {
      const problems = error instanceof ApiError && error.status === 400 ? messagesOf(error.fields) : [];
      notices.error(problems.length ? `${t('templatesNotImported', {file: file.name})} ${problems.join(' ')}`
        : notices.explain(error));
    }
    await list();
  }

  function actionButton(label, template, action) {
    return el('button', {
      type: 'button', class: 'bm-button bm-button--small', 'aria-label': `${label}: ${template.name}`,
      onclick: () => action(template),
    }, label);
  }

  function row(template) {
    return el('tr', {'data-template-id': template.id},
      el('td', {'data-label': t('columnName')}, template.name),
      el('td', {'data-label': t('columnSubject')}, template.subject),
      el('td', {'data-label': t('columnLastChanged')},
        t('editedBy', {who: editorName(template), when: t.moment(template.modified)})),
      el('td', {'data-label': t('columnActions')}, el('div', {class: 'bm-actions'},
        actionButton(t('useButton'), template, use),
        actionButton(t('renameButton'), template, rename),
        actionButton(t('deleteButton'), template, remove))));
  }

  async function list() {
    try {
      const page = await api.get('templates/?page_size=100');
      keepingFocus(rows, () => replaceChildren(rows, page.results.map(row)), () => heading);
      table.hidden = !page.results.length;
      empty.hidden = Boolean(page.results.length);
    } catch (error) {
      notices.error(notices.explain(error));
    }
  }

  root.querySelector('[data-action="save-template"]').addEventListener('click', saveAsTemplate);
  fileInput.addEventListener('change', importFile);

  return {list};
}

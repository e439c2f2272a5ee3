/**
 * Reading a list of learners from a CSV file: one column, or the column headed
 * ``username`` or ``email``. Nothing here talks to the server; a file that cannot be
 * read as such a list is refused with the reason, and nothing is added.
 */

export const MAX_ENTRIES = 10000;
const HEADINGS = ['username', 'email'];

export class ListFileError extends Error {
  constructor(reason, values = {}) {
    super(reason);
    this.reason = reason;
    this.values = values;
  }
}

/** The fields of one CSV line; quoted fields may hold commas and doubled quotes. */
export function csvFields(line) {
  const fields = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') { field += '"'; index += 1; }
      else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',' || char === ';' || char === '\t') { fields.push(field.trim()); field = ''; }
    else field += char;
  }
  fields.push(field.trim());
  return fields;
}

function decode(buffer) {
  try {
    const text = new TextDecoder('utf-8', {fatal: true}).decode(buffer);
    if (text.includes('\u0000')) throw new ListFileError('csvNotText');
    return text.replace(/^\uFEFF/, '');
  } catch (error) {
    if (error instanceof ListFileError) throw error;
    throw new ListFileError('csvNotText');
  }
}

function chosenColumn(header) {
  const names = header.map((name) => name.toLowerCase());
  for (const heading of HEADINGS) {
    if (names.includes(heading)) return {index: names.indexOf(heading), skipHeader: true};
  }
  return null;
}

/** The entries of a CSV file's text: its one column, or its username or email column. */
export function entriesOfCsv(text) {
  const rows = text.split(/\r\n|\n|\r/).filter((line) => line.trim()).map(csvFields);
  if (!rows.length) throw new ListFileError('csvNoColumn');
  let column = chosenColumn(rows[0]);
  if (!column) {
    if (rows.some((row) => row.filter(Boolean).length > 1)) throw new ListFileError('csvNoColumn');
    column = {index: 0, skipHeader: false};
  }
  const data = column.skipHeader ? rows.slice(1) : rows;
  if (data.length > MAX_ENTRIES) throw new ListFileError('csvTooMany', {count: data.length, limit: MAX_ENTRIES});
  const entries = data.map((row) => (row[column.index] || '').trim()).filter(Boolean);
  if (!entries.length) throw new ListFileError('csvNoColumn');
  return entries;
}

/** The entries of a chosen file, or a ListFileError saying why it cannot be used. */
export async function entriesOfFile(file) {
  return entriesOfCsv(decode(await file.arrayBuffer()));
}

/** Entries typed or pasted: separated by commas, semicolons, spaces or new lines. */
export function entriesOfText(text) {
  return text.split(/[\s,;]+/).map((entry) => entry.trim()).filter(Boolean);
}

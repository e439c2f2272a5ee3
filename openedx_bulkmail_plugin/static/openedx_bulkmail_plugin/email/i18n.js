/**
 * The page's strings come from the server, translated into the user's language and
 * rendered into the page as JSON; this module only looks them up and fills them in.
 */

const PLACEHOLDER = /%\((\w+)\)s/g;

function fill(text, values) {
  return text.replace(PLACEHOLDER, (match, name) => (name in values ? String(values[name]) : match));
}

/**
 * A translator over ``catalog``: t(key, values) for a string, t.plural(key, count, values)
 * for a string that depends on a number, and t.number / t.moment to format in ``language``
 * and the browser's time zone.
 */
export function createTranslator(catalog, language) {
  const pluralRules = new Intl.PluralRules(language);
  const numbers = new Intl.NumberFormat(language);
  const moments = new Intl.DateTimeFormat(language, {dateStyle: 'medium', timeStyle: 'short'});

  function t(key, values = {}) {
    const text = catalog[key];
    return typeof text === 'string' ? fill(text, values) : key;
  }
  t.plural = (key, count, values = {}) => {
    const forms = catalog[key] || {};
    const form = forms[pluralRules.select(count)] || forms.other || key;
    return fill(form, {...values, count: numbers.format(count)});
  };
  t.number = (value) => numbers.format(value);
  t.moment = (iso) => (iso ? moments.format(new Date(iso)) : '');
  t.timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return t;
}

/**
 * "Only learners who…": each filter is a checkbox, some with a number, read into the
 * API's filters object. Values are checked by the server, which names a wrong one.
 */
const BOOLEAN_VALUES = {passed: false, never_started: true};

export function createFilters(root, {onChange}) {
  const boxes = [...root.querySelectorAll('[data-filter]')];
  const numbers = new Map([...root.querySelectorAll('[data-filter-value]')].map(
    (input) => [input.dataset.filterValue, input]));
  const error = root.querySelector('[data-error-for="filters"]');
  // A filter the page has no control for (``passed: true``, set through the API) is kept as it is.
  let kept = {};

  function value(key) {
    if (key in BOOLEAN_VALUES) return BOOLEAN_VALUES[key];
    const raw = numbers.get(key).value.trim();
    return raw === '' ? null : Number(raw);
  }

  boxes.forEach((box) => box.addEventListener('change', onChange));
  numbers.forEach((input, key) => input.addEventListener('input', () => {
    root.querySelector(`[data-filter="${key}"]`).checked = true;
    onChange();
  }));

  return {
    /** The chosen filters, as the API takes them. */
    selected() {
      const filters = {...kept};
      boxes.filter((box) => box.checked).forEach((box) => { filters[box.dataset.filter] = value(box.dataset.filter); });
      return filters;
    },
    set(filters = {}) {
      kept = filters.passed === true ? {passed: true} : {};
      boxes.forEach((box) => {
        const key = box.dataset.filter;
        box.checked = key in filters && !(key in kept);
        if (key in filters && numbers.has(key)) numbers.get(key).value = filters[key];
      });
    },
    /** Say what is wrong and mark the number fields (or boxes) of the filters named by ``keys``. */
    showError(message, keys = []) {
      error.textContent = message;
      boxes.forEach((box) => {
        const key = box.dataset.filter;
        const control = numbers.get(key) || box;
        if (keys.includes(key)) control.setAttribute('aria-invalid', 'true');
        else control.removeAttribute('aria-invalid');
      });
    },
    focus() {
      const first = boxes.find((box) => box.checked) || boxes[0];
      if (first) first.focus();
    },
  };
}

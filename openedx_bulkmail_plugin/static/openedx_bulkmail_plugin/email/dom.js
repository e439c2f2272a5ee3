/**
 * Building page elements from data without ever parsing HTML: every text goes in as text.
 */

/**
 * Create an element: el('button', {type: 'button', class: 'x', onclick: fn}, 'Label').
 * Attributes whose value is null, undefined or false are left out; true gives an empty one.
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/** Replace every child of ``node``. */
export function replaceChildren(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
}

/**
 * Mark ``button`` busy (or not) without disabling it: a disabled button drops the keyboard
 * focus to the page, so it stays focusable and its handler checks ``isHeld``.
 */
export function hold(button, busy) {
  if (busy) button.setAttribute('aria-disabled', 'true');
  else button.removeAttribute('aria-disabled');
}

export function isHeld(button) {
  return button.getAttribute('aria-disabled') === 'true';
}

/**
 * Run ``render``, which replaces what is inside ``container``, without dropping the keyboard
 * focus to the page: focus goes to the new button of the same name, else to ``fallback()``.
 */
export function keepingFocus(container, render, fallback) {
  const focused = container.contains(document.activeElement) ? document.activeElement : null;
  const label = focused && focused.getAttribute('aria-label');
  render();
  if (!focused || focused.isConnected) return;
  const again = label && container.querySelector(`[aria-label="${CSS.escape(label)}"]`);
  const next = again || fallback();
  if (next) next.focus();
}

/** Call ``action`` once calls have stopped for ``milliseconds``. */
export function debounce(action, milliseconds) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => action(...args), milliseconds);
  };
}

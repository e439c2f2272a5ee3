/**
 * The formatting toolbar as one stop in the Tab order: the arrow keys, Home and End move
 * between its buttons (WAI-ARIA toolbar pattern, with a roving tabindex).
 */
const NEXT = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1};

export function createToolbar(toolbar) {
  const all = [...toolbar.querySelectorAll('button')];
  let current = all[0];

  function usable() {
    return all.filter((button) => !button.disabled);
  }

  function makeCurrent(button) {
    current = button;
    all.forEach((each) => { each.tabIndex = each === button ? 0 : -1; });
  }

  function target(key) {
    const buttons = usable();
    if (key === 'Home') return buttons[0];
    if (key === 'End') return buttons[buttons.length - 1];
    if (!(key in NEXT)) return null;
    // In a right-to-left page the right arrow goes back.
    const mirrored = ['ArrowLeft', 'ArrowRight'].includes(key) && getComputedStyle(toolbar).direction === 'rtl';
    const step = mirrored ? -NEXT[key] : NEXT[key];
    return buttons[(buttons.indexOf(current) + step + buttons.length) % buttons.length];
  }

  toolbar.addEventListener('keydown', (event) => {
    const button = target(event.key);
    if (!button) return;
    event.preventDefault();
    makeCurrent(button);
    button.focus();
  });
  toolbar.addEventListener('focusin', (event) => {
    if (all.includes(event.target)) makeCurrent(event.target);
  });
  makeCurrent(current);

  return {
    /** Keep a usable button in the Tab order after some were disabled or enabled. */
    refresh() {
      if (current.disabled) makeCurrent(usable()[0]);
    },
    focus() {
      current.focus();
    },
  };
}

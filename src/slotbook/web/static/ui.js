/** Small DOM helpers: build elements without innerHTML, speak to screen readers, put
errors beside their fields and move focus where the user's attention should be. */

/** `el('a', {href: '/x', class: 'y', onclick: f}, 'text', child)` */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'class') node.className = value;
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Say something politely (role=status), or urgently (role=alert); both are visible.
The regions stay in the accessibility tree while empty, so the first message is heard. */
export function announce(text, { urgent = false } = {}) {
  const status = document.getElementById('status');
  const alert = document.getElementById('alert');
  if (urgent) {
    status.textContent = '';
    alert.textContent = text;
  } else {
    alert.textContent = '';
    status.textContent = text;
  }
}

export function clearMessages() {
  document.getElementById('status').textContent = '';
  document.getElementById('alert').textContent = '';
}

/** Focus `node` (focusable by script if it is not a control), in view, outlined. */
export function focusOn(node, { scroll = true } = {}) {
  if (!node) return;
  if (node.tabIndex < 0 && !node.hasAttribute('tabindex')) node.setAttribute('tabindex', '-1');
  // Browsers outline a control focused by script only after keyboard use: mark it.
  node.dataset.scriptFocus = '';
  node.addEventListener('blur', () => delete node.dataset.scriptFocus, { once: true });
  node.focus({ preventScroll: !scroll });
}

/** Say an urgent message and put focus on it, so the next Tab starts from there. */
export function alertHere(text) {
  announce(text, { urgent: true });
  focusOn(document.getElementById('alert'));
}

function describedBy(field, id, on) {
  const ids = new Set((field.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean));
  if (on) ids.add(id);
  else ids.delete(id);
  if (ids.size) field.setAttribute('aria-describedby', [...ids].join(' '));
  else field.removeAttribute('aria-describedby');
}

/** Show `text` in `error` beside `fields` (linked with aria-describedby, marked
aria-invalid); an empty text clears it. */
export function fieldError(error, fields, text) {
  error.textContent = text;
  for (const field of fields) {
    describedBy(field, error.id, Boolean(text));
    if (text) field.setAttribute('aria-invalid', 'true');
    else field.removeAttribute('aria-invalid');
  }
}

/** Focus `field` and scroll so that it and its `error` are both in view. */
export function showError(field, error) {
  focusOn(field, { scroll: false });
  (error.closest('.field') ?? error).scrollIntoView({ block: 'center' });
}

/** Show a failure to load the page's data in place of its content. */
export function fail(main, heading, text) {
  main.replaceChildren(el('h1', {}, heading), el('p', { class: 'lead' }, text));
  main.focus();
}

/** Close `panel` on Escape, handing focus back with `onClose`. */
export function closeOnEscape(panel, onClose) {
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.defaultPrevented) {
      event.preventDefault();
      onClose();
    }
  });
}

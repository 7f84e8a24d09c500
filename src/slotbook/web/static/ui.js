/** Small DOM helpers: build elements without innerHTML, and speak to screen readers. */

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

/** Say something politely (role=status), or urgently (role=alert); both are visible. */
export function announce(text, { urgent = false } = {}) {
  const status = document.getElementById('status');
  const alert = document.getElementById('alert');
  if (urgent) {
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

/** Show a failure to load the page's data in place of its content. */
export function fail(main, heading, text) {
  main.replaceChildren(el('h1', {}, heading), el('p', { class: 'lead' }, text));
  main.focus();
}

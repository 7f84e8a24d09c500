/** The owner's console, /console: sign in (a provider or an admin), pick a calendar,
and work on one screen at a time (#hours, #bookings, #events, #integrations). Every
screen talks to the public JSON API with the signed-in user's token. */

import { ApiError } from './api.js';
import { call, signIn, signOut, whenSignedOut } from './console-session.js';
import { alertHere, announce, clearMessages, el, fieldError, focusOn, showError } from './ui.js';

const SCREENS = {
  hours: () => import('./console-hours.js'),
  bookings: () => import('./console-bookings.js'),
  events: () => import('./console-events.js'),
  integrations: () => import('./console-integrations.js'),
};
const KINDS = { owner: 'owner (001)', provider: 'provider', event: 'event', board: 'board' };

const form = document.getElementById('sign-in-form');
const signInSection = document.getElementById('sign-in');
const consoleSection = document.getElementById('console');
const who = document.getElementById('who');
const signOutButton = document.getElementById('sign-out');
const picker = document.getElementById('calendar');
const search = document.getElementById('calendar-search');
const query = document.getElementById('calendar-q');
const count = document.getElementById('calendar-count');
const screen = document.getElementById('screen');

let me = null;
let calendars = [];
let leave = null; // the shown screen's clean-up (stops its live feed)
let shown = 0; // which render is current: an older one that finishes late is dropped

export const calendarLabel = (c) => `${c.name || `Calendar ${c.id}`} · ${KINDS[c.kind] ?? c.kind} #${c.id}`;

function screenName() {
  const name = location.hash.slice(1);
  return name in SCREENS ? name : 'hours';
}

function showSignIn(reason) {
  leave?.();
  leave = null;
  me = null;
  consoleSection.hidden = true;
  signInSection.hidden = false;
  signOutButton.hidden = true;
  who.textContent = '';
  screen.replaceChildren();
  if (reason) alertHere(reason);
}

whenSignedOut(showSignIn);

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearMessages();
  const email = form.elements.username;
  const password = form.elements.password;
  const emailError = document.getElementById('email-error');
  const passwordError = document.getElementById('password-error');
  fieldError(emailError, [email], email.value.trim() ? '' : 'Enter your email.');
  fieldError(passwordError, [password], password.value ? '' : 'Enter your password.');
  if (!email.value.trim()) return showError(email, emailError);
  if (!password.value) return showError(password, passwordError);
  const button = document.getElementById('sign-in-button');
  button.setAttribute('aria-disabled', 'true');
  try {
    await signIn(email.value.trim(), password.value);
    me = await call('GET', '/api/v1/me');
    calendars = await call('GET', '/api/v1/calendars?limit=100');
  } catch (error) {
    signOut();
    if (error instanceof ApiError && error.status === 403) {
      alertHere(`${error.message}. The console is for providers and admins (the server answered 403).`);
    } else {
      alertHere(error.message);
    }
    return;
  } finally {
    button.removeAttribute('aria-disabled');
  }
  password.value = '';
  enter();
});

signOutButton.addEventListener('click', () => {
  signOut();
  showSignIn();
  announce('Signed out.');
  focusOn(document.getElementById('sign-in-heading'));
});

function enter() {
  signInSection.hidden = true;
  consoleSection.hidden = false;
  signOutButton.hidden = false;
  who.textContent = `${me.name} · ${me.role}`;
  search.hidden = me.role !== 'admin';
  fillPicker();
  announce(`Signed in as ${me.name}.`);
  render({ focus: true });
}

function fillPicker(selected = picker.value) {
  const options = calendars.map((c) => el('option', { value: String(c.id) }, calendarLabel(c)));
  picker.replaceChildren(...(options.length ? options : [el('option', { value: '' }, 'No calendar')]));
  if (calendars.some((c) => String(c.id) === selected)) picker.value = selected;
  count.textContent = me.role === 'admin' ? `${calendars.length} calendar${calendars.length === 1 ? '' : 's'} found` : '';
}

let searching = null;
query.addEventListener('input', () => {
  clearTimeout(searching);
  searching = setTimeout(async () => {
    const q = query.value.trim();
    try {
      calendars = await call('GET', `/api/v1/calendars?limit=100${q ? `&q=${encodeURIComponent(q)}` : ''}`);
    } catch (error) {
      alertHere(error.message);
      return;
    }
    const before = picker.value;
    fillPicker(before);
    if (picker.value !== before) render();
  }, 250);
});

picker.addEventListener('change', () => render());
window.addEventListener('hashchange', () => me && render({ focus: true }));

/** Re-read the calendars (a screen made one) and show `id`. */
export async function showCalendar(id) {
  calendars = await call('GET', `/api/v1/calendars?limit=100${me.role === 'admin' && query.value.trim() ? `&q=${encodeURIComponent(query.value.trim())}` : ''}`);
  if (!calendars.some((c) => c.id === id)) {
    query.value = '';
    calendars = await call('GET', '/api/v1/calendars?limit=100');
  }
  fillPicker(String(id));
  await render();
}

async function render({ focus = false } = {}) {
  const name = screenName();
  for (const link of document.querySelectorAll('.tabs a')) {
    if (link.dataset.screen === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  leave?.();
  leave = null;
  const turn = ++shown;
  const module = await SCREENS[name]();
  if (turn !== shown) return;
  const calendar = calendars.find((c) => String(c.id) === picker.value) ?? null;
  const container = el('section', { class: 'screen', 'aria-labelledby': 'screen-heading' });
  screen.replaceChildren(container);
  const cleanUp = await module.render(container, { me, calendar, call, showCalendar });
  if (turn !== shown) {
    cleanUp?.();
    return;
  }
  leave = cleanUp;
  if (focus) focusOn(document.getElementById('screen-heading'), { scroll: false });
}

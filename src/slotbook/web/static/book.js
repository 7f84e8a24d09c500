/** The booking page: /book/calendar/{id} and /book/event/{id}. */

import { api, isTaken } from './api.js';
import { reportHeight } from './embedded.js';
import { calendarSource, eventSource, SlotPicker, slotLabel } from './slots.js';
import { elsewhere, longDay, visitorZone, when } from './time.js';
import { alertHere, announce, clearMessages, el, fail, fieldError, showError } from './ui.js';

const [, , kind, id] = location.pathname.split('/');
const main = document.getElementById('main');
const form = document.getElementById('book-form');
const chosen = document.getElementById('chosen');
const button = document.getElementById('book-button');
const done = document.getElementById('done');
const fields = {
  name: [document.getElementById('name'), document.getElementById('name-error')],
  email: [document.getElementById('email'), document.getElementById('email-error')],
};
let picker;
let sending = false;

/** What is wrong with a field, in plain words ('' when nothing is). */
const CHECKS = {
  name: (value) => (value ? '' : 'Enter your name.'),
  email: (value) => {
    if (!value) return 'Enter your email address.';
    return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) ? '' : 'Enter an email address like name@example.com.';
  },
};
/** The server's objection to a field, in plain words. */
const SERVER_WORDS = {
  name: 'Enter your name (at most 200 characters).',
  email: 'This email address cannot receive mail. Check it, or use another one.',
};

/** Show each field's problem beside it; focus the first one. Returns whether any. */
function fieldProblems(problems) {
  let first = null;
  for (const [name, [input, error]] of Object.entries(fields)) {
    fieldError(error, [input], problems[name] ?? '');
    if (problems[name] && !first) first = [input, error];
  }
  if (first) showError(...first);
  return Boolean(first);
}

async function source() {
  if (kind === 'event') {
    const event = await api('GET', `/api/v1/events/${id}`);
    return { title: event.name, about: event.description, source: eventSource(event), day: event.event_date };
  }
  const calendar = await api('GET', `/api/v1/calendars/${id}`);
  return { title: calendar.name || `Calendar ${calendar.id}`, source: calendarSource(calendar) };
}

function choose(slot) {
  chosen.textContent = slot ? `Your time: ${when(slot.startAt, slot.endAt)}` : 'No time picked yet.';
  button.textContent = slot ? `Book ${slotLabel(slot)}` : 'Book this time';
}

function book(slot, name, email) {
  if (kind === 'event') {
    return api('POST', '/api/v1/bookings', { attendee_name: name, email, time_slot_id: slot.id });
  }
  return api('POST', `/api/v1/calendars/${id}/bookings`, { start_at: slot.startAt, name, email });
}

function showDone(slot, booking) {
  const link = new URL(`/manage/${booking.booking_token}`, location.href).href;
  const other = elsewhere(slot.startAt, slot.endAt, picker.source.zone);
  const pending = booking.status === 'pending';
  document.getElementById('done-heading').textContent = pending ? 'Requested: waiting for approval' : 'You\'re booked';
  document.getElementById('done-when').textContent =
    `${when(slot.startAt, slot.endAt)}${other ? ` (${other})` : ''}, for ${booking.attendee_name}.`
    + (pending ? ' The owner must approve it; the time is kept for you until then.' : '');
  const anchor = document.getElementById('manage-link');
  anchor.href = link;
  anchor.textContent = link;
  form.hidden = true;
  done.hidden = false;
  done.focus();
}

/** The full slots of an event, each with a button to join its waitlist. */
function showFull(full) {
  const list = document.getElementById('full-slots');
  document.getElementById('waitlist').hidden = !full.length;
  list.replaceChildren(...full.map((slot) => el('li', {},
    el('span', { class: 'slot-time' }, `${slotLabel(slot)} (full)`), ' ',
    el('button', { type: 'button', class: 'secondary', onclick: () => joinWaitlist(slot) },
      `Join the waitlist for ${slotLabel(slot)}`))));
}

async function joinWaitlist(slot) {
  if (sending) return;
  clearMessages();
  const values = { name: fields.name[0].value.trim(), email: fields.email[0].value.trim() };
  const problems = Object.fromEntries(Object.entries(CHECKS).map(([name, check]) => [name, check(values[name])]));
  if (fieldProblems(problems)) return;
  sending = true;
  try {
    const entry = await api('POST', '/api/v1/waitlist', { time_slot_id: slot.id, ...values });
    const link = new URL(`/waitlist/${entry.token}`, location.href).href;
    document.getElementById('waiting-what').textContent =
      `${when(slot.startAt, slot.endAt)}: you are number ${entry.position} in line.`;
    const anchor = document.getElementById('waitlist-link');
    anchor.href = link;
    anchor.textContent = link;
    form.hidden = true;
    const waiting = document.getElementById('waiting');
    waiting.hidden = false;
    waiting.focus();
  } catch (error) {
    alertHere(error.message);
    await picker.refresh();
  } finally {
    sending = false;
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (sending) return; // the button stays focusable while sending: aria-disabled
  clearMessages();
  const slot = picker.selected;
  const values = { name: fields.name[0].value.trim(), email: fields.email[0].value.trim() };
  const problems = Object.fromEntries(Object.entries(CHECKS).map(([name, check]) => [name, check(values[name])]));
  if (!slot) {
    fieldProblems({});
    picker.showError('Please pick a time first.');
    return;
  }
  picker.clearError();
  if (fieldProblems(problems)) return;
  sending = true;
  button.setAttribute('aria-disabled', 'true');
  picker.claiming = slot.key;
  try {
    showDone(slot, await book(slot, values.name, values.email));
    picker.reset();
  } catch (error) {
    if (isTaken(error)) {
      picker.selected = null;
      choose(null);
      await picker.refresh();
      picker.showError(`Sorry, ${slotLabel(slot)} was just booked by someone else. Please choose another time.`);
    } else if (Object.keys(error.fields).some((name) => name in fields)) {
      fieldProblems(Object.fromEntries(Object.keys(error.fields).filter((name) => name in fields)
        .map((name) => [name, SERVER_WORDS[name]])));
    } else {
      alertHere(error.message);
    }
  } finally {
    picker.claiming = null;
    sending = false;
    button.removeAttribute('aria-disabled');
  }
});

document.getElementById('copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(document.getElementById('manage-link').href);
    announce('Link copied.');
  } catch {
    announce('Copying is not allowed here: select the link and copy it.', { urgent: true });
  }
});

document.getElementById('again').addEventListener('click', () => {
  fieldProblems({});
  clearMessages();
  choose(null);
  done.hidden = true;
  form.hidden = false;
  document.getElementById('choose-heading').focus();
});

async function start() {
  let page;
  try {
    page = await source();
  } catch (error) {
    fail(main, 'This page cannot be booked', error.message);
    return;
  }
  document.title = `Book: ${page.title} · slotbook`;
  document.getElementById('title').textContent = page.title;
  const note = [`Times are shown in your time zone, ${visitorZone()}.`,
    `This ${kind === 'event' ? 'event' : 'calendar'} runs on ${page.source.zone} time.`];
  if (page.day) note.unshift(`On ${longDay(page.day)}.`);
  if (page.about) note.unshift(page.about);
  document.getElementById('zone-note').textContent = note.join(' ');
  if (kind === 'event') {
    const load = page.source.load;
    page.source.load = async (day) => {
      const result = await load(day);
      showFull(result.full);
      return result;
    };
  }
  picker = new SlotPicker(document.getElementById('picker'), page.source, { onSelect: choose });
  await picker.refresh();
}

start();

reportHeight();

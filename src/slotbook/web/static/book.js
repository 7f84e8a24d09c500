/** The booking page: /book/calendar/{id} and /book/event/{id}. */

import { api, isTaken } from './api.js';
import { calendarSource, eventSource, SlotPicker, slotLabel } from './slots.js';
import { elsewhere, longDay, visitorZone, when } from './time.js';
import { announce, clearMessages, el, fail } from './ui.js';

const [, , kind, id] = location.pathname.split('/');
const main = document.getElementById('main');
const form = document.getElementById('book-form');
const chosen = document.getElementById('chosen');
const button = document.getElementById('book-button');
const done = document.getElementById('done');
let picker;

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
  document.getElementById('done-when').textContent =
    `${when(slot.startAt, slot.endAt)}${other ? ` (${other})` : ''}, for ${booking.attendee_name}.`;
  const anchor = document.getElementById('manage-link');
  anchor.href = link;
  anchor.textContent = link;
  form.hidden = true;
  done.hidden = false;
  done.focus();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearMessages();
  const slot = picker.selected;
  if (!slot) {
    announce('Please pick a time first.', { urgent: true });
    return;
  }
  const data = new FormData(form);
  button.disabled = true;
  picker.claiming = slot.key;
  try {
    showDone(slot, await book(slot, data.get('name').trim(), data.get('email').trim()));
    picker.reset();
  } catch (error) {
    if (isTaken(error)) {
      announce(`Sorry, ${slotLabel(slot)} was just booked by someone else. Please choose another time.`, { urgent: true });
      picker.selected = null;
      choose(null);
      await picker.refresh();
    } else {
      announce(error.message, { urgent: true });
    }
  } finally {
    picker.claiming = null;
    button.disabled = false;
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
  picker = new SlotPicker(document.getElementById('picker'), page.source, { onSelect: choose });
  await picker.refresh();
}

start();

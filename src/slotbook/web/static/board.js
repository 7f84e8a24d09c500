/** The live board, /board: surface 000's slots for one day; click to book or cancel.

`/board?calendar=<id>&date=YYYY-MM-DD` opens the same board on any calendar and day.
*/

import { api } from './api.js';
import { LiveSocket, socketUrl } from './live.js';
import { longDay } from './time.js';
import { announce, el } from './ui.js';

const params = new URLSearchParams(location.search);
const list = document.getElementById('board');
const connection = document.getElementById('connection');
const day = document.getElementById('board-day');
const zone = document.getElementById('board-zone');
const links = document.getElementById('links');
const manage = document.getElementById('manage-note');
let last = null; // the last slots_update's data
let slots = new Map(); // id -> slot, as last shown
const pending = new Map(); // slot id -> 'book' | 'cancel', sent by this page, not yet answered

const label = (slot) => `${slot.start_time}–${slot.end_time}`;
const bookable = (slot, data) => !slot.is_booked && (slot.is_available ?? data.available_slots.includes(slot.id));

function state(slot, data) {
  if (slot.is_booked) return 'booked';
  return bookable(slot, data) ? 'free' : 'closed';
}

const STATE_TEXT = { booked: 'Booked', free: 'Free', closed: 'Not bookable' };

function item(slot, data) {
  const now = state(slot, data);
  // A slot waiting for the server's answer keeps its focus: aria-disabled, not disabled.
  const waiting = pending.has(slot.id) ? 'true' : null;
  const action = {
    booked: () => el('button', { type: 'button', class: 'secondary', 'aria-disabled': waiting, 'aria-label': `Cancel the booking of ${label(slot)}`, onclick: () => send('cancel_slot', slot) }, 'Cancel'),
    free: () => el('button', { type: 'button', 'aria-disabled': waiting, 'aria-label': `Book ${label(slot)}`, onclick: () => send('book_slot', slot) }, 'Book'),
    closed: () => null,
  }[now]();
  return el('li', { class: `board-slot is-${now}`, 'data-slot-id': slot.id, 'data-state': now },
    el('span', { class: 'board-time' }, label(slot)),
    el('span', { class: 'board-state' }, STATE_TEXT[now]),
    action);
}

/** What other people changed since the last update, in words. */
function changes(data) {
  const said = [];
  for (const slot of data.slots) {
    const before = slots.get(slot.id);
    if (!before || before.is_booked === slot.is_booked || pending.has(slot.id)) continue;
    said.push(`${label(slot)} ${slot.is_booked ? 'was just booked' : 'is free again'}`);
  }
  return said;
}

function render(data) {
  last = data;
  const said = slots.size ? changes(data) : [];
  slots = new Map(data.slots.map((s) => [s.id, s]));
  const focused = document.activeElement?.closest('.board-slot')?.dataset.slotId;
  list.replaceChildren(...data.slots.map((slot) => item(slot, data)));
  if (focused !== undefined) list.querySelector(`[data-slot-id="${focused}"] button`)?.focus();
  if (data.date) day.textContent = longDay(data.date);
  if (!data.slots.length) list.replaceChildren(el('li', { class: 'empty' }, 'No slots on this day.'));
  if (said.length) announce(`${said.join('; ')}.`);
  if (data.calendar_id && !links.hasChildNodes()) {
    links.append(el('a', { href: `/book/calendar/${data.calendar_id}` }, 'Book with your name and email instead'));
    api('GET', `/api/v1/calendars/${data.calendar_id}`)
      .then((calendar) => { zone.textContent = `Times in ${calendar.timezone}`; })
      .catch(() => {});
  }
}

function answered(message) {
  pending.delete(message.slot_id);
  if (!message.success) {
    announce(message.message, { urgent: true });
  } else {
    announce(`${message.message}.`);
  }
  if (message.booking_token) {
    const link = new URL(`/manage/${message.booking_token}`, location.href).href;
    manage.replaceChildren(`Your link to manage the booking of slot ${message.slot_id}: `, el('a', { href: link }, link));
  }
  if (last) render(last);
}

function send(type, slot) {
  if (pending.has(slot.id)) return;
  if (!socket.send({ type, slot_id: slot.id })) {
    announce('Not connected to the board; trying again…', { urgent: true });
    return;
  }
  pending.set(slot.id, type);
  list.querySelector(`[data-slot-id="${slot.id}"] button`).setAttribute('aria-disabled', 'true');
}

const socket = new LiveSocket(socketUrl({ calendar: params.get('calendar'), date: params.get('date') }), {
  onMessage(message) {
    if (message.type === 'slots_update') render(message.data);
    else if (message.type === 'booking_response' || message.type === 'cancellation_response') answered(message);
    else if (message.type === 'error') announce(message.message, { urgent: true });
  },
  onStatus(status) {
    connection.dataset.state = status;
    connection.textContent = {
      live: 'Live: changes by others appear at once.',
      connecting: 'Connecting…',
      refused: 'This board cannot be shown.',
    }[status];
  },
});

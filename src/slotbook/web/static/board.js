/** The live board, /board: one day of surface 000's slots, booked with a click.

`/board?calendar=<id>&date=YYYY-MM-DD` opens the same board on any calendar and day. This
browser keeps the token of each booking it makes, offers Cancel only for those (by
token, after a confirmation) and shows everyone else's as Taken. A control under the
keyboard's focus is never turned into another: when a slot's state changes, its old
control goes and focus moves to the slot itself.
*/

import { api } from './api.js';
import { boardTokens } from './board-tokens.js';
import { LiveSocket, socketUrl } from './live.js';
import { addDays, longDay } from './time.js';
import { announce, el, focusOn } from './ui.js';

const params = new URLSearchParams(location.search);
const calendarParam = params.get('calendar');
const list = document.getElementById('board');
const connection = document.getElementById('connection');
const dayText = document.getElementById('board-day');
const dayInput = document.getElementById('board-date');
const zone = document.getElementById('board-zone');
const links = document.getElementById('links');
const mine = document.getElementById('mine');
const mineList = document.getElementById('mine-list');
const dialog = document.getElementById('confirm');
let pinned = params.get('date'); // the day asked for; null: today, as the server sees it
let last = null; // the last slots_update's data
let items = new Map(); // slot id -> { slot, state, li }
const pending = new Map(); // slot id -> 'book_slot' | 'cancel_slot', not yet answered
const explained = new Set(); // slots whose next change an answer has already told
let socket;
let connections = 0; // sockets opened so far: only the latest one's messages count
let confirming = null; // the slot whose cancellation the dialog asks about

const label = (slot) => `${slot.start_time}–${slot.end_time}`;
const labelOf = (id) => (items.get(Number(id)) ? label(items.get(Number(id)).slot) : `slot ${id}`);
const tokenOf = (slot) => last && boardTokens.get(last.calendar_id, last.date, slot.id);

/** An event's time slot (seats, booked on the event's page): shown, never booked here. */
const isSeats = (slot) => 'available_spots' in slot;

function state(slot) {
  if (isSeats(slot)) return slot.is_available ? 'places' : 'full';
  if (slot.is_booked) return tokenOf(slot) ? 'mine' : 'taken';
  const bookable = slot.is_available ?? last.available_slots.includes(slot.id);
  return bookable ? 'free' : 'closed';
}

const STATE_TEXT = {
  mine: () => 'Booked by you',
  taken: () => 'Taken',
  free: () => 'Free',
  closed: () => 'Not bookable',
  full: () => 'Full',
  places: (slot) => `${slot.available_spots} ${slot.available_spots === 1 ? 'place' : 'places'} left`,
};

function action(slot, now) {
  // A slot waiting for the server's answer keeps its focus: aria-disabled, not disabled.
  const waiting = pending.has(slot.id) ? 'true' : null;
  if (now === 'free') {
    return el('button', { type: 'button', 'aria-disabled': waiting, 'aria-label': `Book ${label(slot)}`, onclick: () => book(slot) }, 'Book');
  }
  if (now === 'mine') {
    return el('button', { type: 'button', class: 'secondary', 'aria-disabled': waiting, 'aria-label': `Cancel my booking of ${label(slot)}`, onclick: () => confirmCancel(slot) }, 'Cancel');
  }
  return null;
}

function item(slot, now) {
  return el('li', { class: `board-slot is-${now}`, 'data-slot-id': slot.id, 'data-state': now, tabindex: '-1' },
    el('span', { class: 'board-time' }, label(slot)),
    el('span', { class: 'board-state' }, STATE_TEXT[now](slot)),
    action(slot, now));
}

/** Put the slot's new state in place; focus on its old control moves to the slot. */
function update(entry, slot, now) {
  const hadFocus = entry.li.contains(document.activeElement);
  const fresh = item(slot, now);
  entry.li.replaceWith(fresh);
  Object.assign(entry, { slot, state: now, li: fresh });
  if (hadFocus) focusOn(fresh);
}

function changes(data) {
  const said = [];
  for (const slot of data.slots) {
    const before = items.get(slot.id);
    if (!before || before.slot.is_booked === slot.is_booked || pending.has(slot.id)) continue;
    if (explained.has(slot.id)) continue;
    said.push(`${label(slot)} ${slot.is_booked ? 'was just booked' : 'is free again'}`);
  }
  return said;
}

function render(data) {
  const sameDay = last && last.calendar_id === data.calendar_id && last.date === data.date;
  const newDay = last && !sameDay; // picked here, or today rolled over on the server
  const said = sameDay ? changes(data) : [];
  last = data;
  for (const slot of data.slots) {
    if (!slot.is_booked) boardTokens.forget(data.calendar_id, data.date, slot.id); // gone: not ours now
  }
  if (sameDay && data.slots.every((s) => items.has(s.id)) && items.size === data.slots.length) {
    for (const slot of data.slots) {
      const entry = items.get(slot.id);
      const now = state(slot);
      // A slot waiting for this page's request is settled by the answer, not before.
      const recounted = isSeats(slot) && slot.available_spots !== entry.slot.available_spots;
      if ((now !== entry.state || recounted) && !pending.has(slot.id)) update(entry, slot, now);
      else entry.slot = slot;
    }
  } else {
    const focusInList = list.contains(document.activeElement);
    items = new Map(data.slots.map((slot) => {
      const now = state(slot);
      return [slot.id, { slot, state: now, li: item(slot, now) }];
    }));
    list.replaceChildren(...[...items.values()].map((entry) => entry.li));
    if (!data.slots.length) list.replaceChildren(el('li', { class: 'empty', tabindex: '-1' }, 'No slots on this day.'));
    if (focusInList) focusOn(list.firstElementChild);
  }
  showDay(data);
  showMine();
  explained.clear();
  if (said.length) announce(`${said.join('; ')}.`);
  if (newDay) {
    const free = data.available_slots.length;
    announce(`Showing ${longDay(data.date)}: ${free} ${free === 1 ? 'slot' : 'slots'} free.`);
  }
}

function showDay(data) {
  if (!data.date) return;
  dayText.textContent = longDay(data.date);
  dayInput.value = data.date;
  if (data.calendar_id && !links.hasChildNodes()) {
    const seats = data.slots.some(isSeats);
    links.append(el('a', { href: `/book/calendar/${data.calendar_id}` },
      seats ? "Book a place on the event's page" : 'Book with your name and email instead'));
    api('GET', `/api/v1/calendars/${data.calendar_id}`)
      .then((calendar) => { zone.textContent = `Times in ${calendar.timezone}`; })
      .catch(() => {});
  }
}

/** This browser's bookings on the day shown, each with its manage link. */
function showMine() {
  const own = [...items.values()].filter((entry) => entry.state === 'mine');
  mineList.replaceChildren(...own.map((entry) => {
    const link = new URL(`/manage/${tokenOf(entry.slot)}`, location.href).href;
    return el('li', {}, `${label(entry.slot)}: `, el('a', { href: link }, link));
  }));
  mine.hidden = !own.length;
}

/** The server's answer in the page's words: the time, never the slot id. */
function words(message) {
  const time = labelOf(message.slot_id);
  const retry = / try again$/.test(message.message);
  if (message.type === 'booking_response') {
    if (message.success && message.status === 'pending') {
      return `Requested: ${time}, waiting for the owner's approval. You can cancel it from this page.`;
    }
    if (message.success) return `Booked: ${time}. You can cancel it from this page.`;
    if (retry) return `${time} could not be booked just now; please try again.`;
    const rule = /is not available: (.+)$/.exec(message.message); // a booking rule, named
    return rule ? `Sorry, ${time} cannot be booked: ${rule[1]}`
      : `Sorry, ${time} cannot be booked: it was just taken or is no longer open.`;
  }
  if (message.success) return `Your booking of ${time} is cancelled.`;
  if (retry) return `${time} could not be cancelled just now; please try again.`;
  if (/booking_token/.test(message.message)) return `${time} is no longer booked by you, so it was not cancelled.`;
  return `${time} was not cancelled: ${message.message.replace(/^Slot \S+ /, '')}.`;
}

function answered(message) {
  const asked = pending.get(message.slot_id);
  pending.delete(message.slot_id);
  if (asked) {
    const [calendarId, date] = asked.day;
    if (message.booking_token) boardTokens.set(calendarId, date, message.slot_id, message.booking_token);
    if (message.type === 'cancellation_response') boardTokens.forget(calendarId, date, message.slot_id);
  }
  announce(words(message), { urgent: !message.success });
  if (!message.success) {
    explained.add(message.slot_id); // the alert says it: the update it asks for need not
    socket.send({ type: 'get_slots' }); // show what stopped it
  }
  const entry = items.get(message.slot_id);
  if (!entry) return;
  const now = state(entry.slot);
  if (now !== entry.state) update(entry, entry.slot, now);
  else entry.li.querySelector('button')?.removeAttribute('aria-disabled');
  showMine();
}

function send(type, slot, extra = {}) {
  if (pending.has(slot.id)) return;
  if (!socket.send({ type, slot_id: slot.id, ...extra })) {
    announce('Not connected to the board; trying again…', { urgent: true });
    return;
  }
  pending.set(slot.id, { type, day: [last.calendar_id, last.date] });
  items.get(slot.id)?.li.querySelector('button')?.setAttribute('aria-disabled', 'true');
}

function book(slot) {
  send('book_slot', slot);
}

function confirmCancel(slot) {
  if (pending.has(slot.id)) return;
  confirming = slot;
  document.getElementById('confirm-heading').textContent = `Cancel your booking of ${label(slot)}?`;
  dialog.returnValue = '';
  dialog.showModal();
  focusOn(document.getElementById('confirm-no'));
}

dialog.addEventListener('close', () => {
  const slot = confirming;
  confirming = null;
  if (!slot) return;
  const entry = items.get(slot.id);
  if (dialog.returnValue === 'yes') {
    send('cancel_slot', slot, { booking_token: tokenOf(slot) });
    focusOn(entry?.li);
  } else {
    focusOn(entry?.li.querySelector('button') ?? entry?.li);
  }
});
document.getElementById('confirm-yes').addEventListener('click', () => dialog.close('yes'));
document.getElementById('confirm-no').addEventListener('click', () => dialog.close('no'));

function connect() {
  socket?.close();
  const generation = ++connections;
  socket = new LiveSocket(socketUrl({ calendar: calendarParam, date: pinned }), {
    onMessage(message) {
      if (generation !== connections) return; // a day no longer shown
      if (message.type === 'slots_update') render(message.data);
      else if (message.type === 'booking_response' || message.type === 'cancellation_response') answered(message);
      else if (message.type === 'error') announce(message.message, { urgent: true });
    },
    onStatus(status) {
      if (generation !== connections) return;
      connection.dataset.state = status;
      connection.textContent = {
        live: 'Live: changes by others appear at once.',
        connecting: 'Connecting…',
        refused: 'This board cannot be shown.',
      }[status];
    },
  });
}

function showDate(date) {
  if (!date || date === last?.date) return;
  pinned = date;
  const url = new URL(location.href);
  url.searchParams.set('date', date);
  history.replaceState(null, '', url);
  pending.clear();
  connect();
}

dayInput.addEventListener('change', () => showDate(dayInput.value));
document.getElementById('previous-day').addEventListener('click', () => last && showDate(addDays(last.date, -1)));
document.getElementById('next-day').addEventListener('click', () => last && showDate(addDays(last.date, 1)));
connect();

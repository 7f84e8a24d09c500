/** #events: an event's time slots with their seats taken, live, and who holds them;
and (admins) creating an event with its slots and capacities. */

import { field, heading, showApiError, uid } from './console-form.js';
import { follow } from './console-session.js';
import { addDays, longDay } from './time.js';
import { announce, el, focusOn } from './ui.js';

const hm = (t) => t.slice(0, 5);
const HOLDING = ['confirmed', 'pending', 'held'];

export async function render(container, { me, calendar, call, showCalendar }) {
  const isEvent = calendar?.kind === 'event';
  container.append(...heading('Events', isEvent
    ? `${calendar.name}: seats per time slot, kept live.`
    : 'Pick an event in the calendar list to see its seats and attendees.'));
  let stop = null;
  if (isEvent) stop = await showEvent(container, calendar, call);
  if (me.role === 'admin') container.append(createForm(calendar, call, showCalendar));
  else container.append(el('p', { class: 'hint' }, 'Events are created by admins.'));
  return stop;
}

async function showEvent(container, calendar, call) {
  const seats = el('div', { id: 'event-seats', class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Seats per time slot' });
  const note = el('p', { id: 'seats-note', 'aria-live': 'polite' });
  const attendees = el('div', { id: 'attendees' });
  const again = el('button', { type: 'button', class: 'secondary small', id: 'refresh-event' }, 'Refresh attendees and waitlist');
  const liveNote = el('p', { id: 'live-note', class: 'live-note', 'data-state': 'connecting' }, 'Connecting to live updates…');
  container.append(el('section', { 'aria-labelledby': 'seats-heading' },
    el('h2', { id: 'seats-heading' }, `Seats on ${longDay(calendar.event_date)}`), liveNote, note, seats,
    el('h2', {}, 'Attendees and waitlist'),
    el('p', { class: 'hint' }, 'Seats and attendees change live; joining a waitlist shows on the next change or refresh.'),
    again, attendees));
  again.addEventListener('click', async () => {
    await refresh();
    announce('Attendees and waitlist read again.');
  });
  let before = null;
  let turn = 0;

  async function refresh({ live = false } = {}) {
    const mine = ++turn;
    let slots;
    let bookings;
    let waiting;
    try {
      const statuses = HOLDING.map((s) => `status=${s}`).join('&');
      [slots, bookings, waiting] = await Promise.all([
        call('GET', `/api/v1/events/${calendar.id}/slots`),
        call('GET', `/api/v1/calendars/${calendar.id}/bookings?${statuses}&limit=500`),
        call('GET', `/api/v1/calendars/${calendar.id}/waitlist`),
      ]);
    } catch (error) {
      if (mine === turn) note.textContent = error.message;
      return;
    }
    if (mine !== turn) return;
    const taken = slots.reduce((n, s) => n + s.current_bookings, 0);
    const capacity = slots.reduce((n, s) => n + s.max_capacity, 0);
    if (live && before !== null && taken !== before) {
      note.textContent = `Seats taken now: ${taken} of ${capacity}.`;
    } else if (!live || before === null) {
      note.textContent = `${taken} of ${capacity} seats taken.`;
    }
    before = taken;
    seats.replaceChildren(el('table', { id: 'seats-table' },
      el('caption', { class: 'hint' }, `Times in ${calendar.timezone}`),
      el('thead', {}, el('tr', {}, ...['Time', 'Taken', 'Free', 'Capacity'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...slots.map((s) => el('tr', { 'data-slot': String(s.id) },
        el('th', { scope: 'row' }, `${hm(s.start_time)}–${hm(s.end_time)}`),
        el('td', { class: 'taken' }, String(s.current_bookings)),
        el('td', { class: 'free' }, String(s.available_spots)),
        el('td', {}, String(s.max_capacity)))))));
    attendees.replaceChildren(...slots.map((s) => {
      const here = bookings.filter((b) => b.time_slot_id === s.id);
      const line = waiting.filter((w) => w.time_slot_id === s.id);
      return el('section', { class: 'agenda-day', 'data-slot': String(s.id), 'aria-label': `Attendees ${hm(s.start_time)}–${hm(s.end_time)}` },
        el('h3', {}, `${hm(s.start_time)}–${hm(s.end_time)}`),
        here.length
          ? el('ul', {}, ...here.map((b) => el('li', {}, `${b.attendee_name ?? '—'}`, b.email ? ` <${b.email}>` : '',
            b.seats > 1 ? ` (${b.seats} seats)` : '', b.status !== 'confirmed' ? ` — ${b.status}` : '')))
          : el('p', { class: 'empty' }, 'Nobody yet.'),
        line.length
          ? el('div', { class: 'waitlist' }, el('h4', {}, `Waitlist (${line.length})`),
            el('ol', {}, ...line.map((w) => el('li', {}, `${w.name} <${w.email}>`, w.seats > 1 ? ` (${w.seats} seats)` : '',
              w.status === 'offered' ? ` — offered a place until ${new Date(w.offer_expires_at).toLocaleTimeString(undefined, { timeZone: calendar.timezone, hour: '2-digit', minute: '2-digit' })}` : ''))))
          : null);
    }));
  }

  await refresh();
  const feed = follow(`/api/v1/calendars/${calendar.id}/changes`, {
    onEvent: (name) => refresh({ live: name === 'change' }),
    onState: (state) => {
      liveNote.dataset.state = state;
      liveNote.textContent = state === 'live' ? 'Live: seats change as people book.' : 'Reconnecting to live updates…';
    },
  });
  return () => { feed.stop(); turn += 1; };
}

function slotRow(list) {
  const start = field('Starts', el('input', { type: 'time', required: true, value: '09:00' }));
  const end = field('Ends', el('input', { type: 'time', required: true, value: '10:00' }));
  const capacity = field('Seats', el('input', { type: 'number', min: '1', required: true, value: '10', inputmode: 'numeric' }));
  const remove = el('button', { type: 'button', class: 'secondary small' }, 'Remove slot');
  const row = el('div', { class: 'range' }, start.wrap, end.wrap, capacity.wrap, remove);
  remove.addEventListener('click', () => {
    const next = row.nextElementSibling ?? row.previousElementSibling;
    row.remove();
    focusOn(next?.querySelector('input') ?? list.nextElementSibling);
  });
  row.fields = { start_time: start, end_time: end, max_capacity: capacity };
  return row;
}

function createForm(calendar, call, showCalendar) {
  const name = field('Name', el('input', { required: true, maxlength: '200', id: 'event-name' }));
  const date = field('Date', el('input', { type: 'date', required: true, id: 'event-date', value: addDays(calendar?.today ?? new Date().toISOString().slice(0, 10), 7) }));
  const zone = field('Time zone', el('input', { id: 'event-zone', value: calendar?.timezone ?? 'UTC' }), { hint: 'IANA name, e.g. Europe/Berlin' });
  const description = field('Description (optional)', el('textarea', { id: 'event-description', rows: '2', maxlength: '5000' }));
  const slots = el('div', { class: 'ranges', id: 'event-slots' });
  slots.append(slotRow(slots));
  const add = el('button', { type: 'button', class: 'secondary', id: 'add-slot' }, 'Add a time slot');
  add.addEventListener('click', () => {
    const last = slots.lastElementChild?.fields;
    const row = slotRow(slots);
    if (last) { // the next hour, with as many seats
      const [h, m] = (last.end_time.input.value || '09:00').split(':').map(Number);
      const later = (minutes) => `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
      row.fields.start_time.input.value = later(h * 60 + m);
      row.fields.end_time.input.value = later(h * 60 + m + 60);
      row.fields.max_capacity.input.value = last.max_capacity.input.value;
    }
    slots.append(row);
    focusOn(row.fields.start_time.input);
  });
  const headingId = uid('create');
  const form = el('form', { id: 'event-form', novalidate: true, 'aria-labelledby': headingId },
    el('h2', { id: headingId }, 'Create an event'), name.wrap, date.wrap, zone.wrap, description.wrap,
    el('fieldset', {}, el('legend', {}, 'Time slots'), slots, add),
    el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'create-event' }, 'Create event')));
  const top = { name, event_date: date, timezone: zone, description };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const rows = [...slots.children];
    const body = {
      name: name.input.value.trim(),
      event_date: date.input.value,
      timezone: zone.input.value.trim() || undefined,
      description: description.input.value.trim() || undefined,
      time_slots: rows.map((r) => ({
        start_time: r.fields.start_time.input.value,
        end_time: r.fields.end_time.input.value,
        max_capacity: Number(r.fields.max_capacity.input.value),
      })),
    };
    let made;
    try {
      made = await call('POST', '/api/v1/events', body);
    } catch (error) {
      const all = [...Object.values(top), ...rows.flatMap((r) => Object.values(r.fields))];
      showApiError(error, (loc) => {
        const path = loc.filter((p) => p !== 'body');
        if (path[0] === 'time_slots' && typeof path[1] === 'number') return rows[path[1]]?.fields[path[2]] ?? rows[path[1]]?.fields.end_time;
        return top[path[0]] ?? null;
      }, all);
      return;
    }
    announce(`Event “${made.name}” created with ${made.time_slots.length} time slot${made.time_slots.length === 1 ? '' : 's'}.`);
    await showCalendar(made.id);
  });
  return form;
}

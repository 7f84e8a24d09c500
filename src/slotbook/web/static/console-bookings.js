/** #bookings: a calendar's bookings as a day-by-day agenda or a list, filtered by
status, dates and name or email, kept live by the calendar's change feed; open one to
see its history and move, cancel, approve or decline it; export the range as CSV. */

import { ApiError } from './api.js';
import { csv, field, heading } from './console-form.js';
import { follow } from './console-session.js';
import { addDays, longDay } from './time.js';
import { alertHere, announce, closeOnEscape, el, focusOn } from './ui.js';

const STATUSES = {
  confirmed: 'Confirmed', pending: 'Waiting for approval', held: 'Held (not yet confirmed)',
  cancelled: 'Cancelled', declined: 'Declined', expired: 'Expired',
};
const EVENTS = {
  'booking.created': 'Booked', 'booking.held': 'Held', 'booking.pending': 'Asked for (waiting for approval)',
  'booking.confirmed': 'Confirmed', 'booking.approved': 'Approved', 'booking.declined': 'Declined',
  'booking.moved': 'Moved', 'booking.cancelled': 'Cancelled', 'booking.expired': 'Expired',
  'series.created': 'Booked as a series', 'series.cancelled': 'Series cancelled',
};
const PAGE = 500;
const active = (b) => ['confirmed', 'pending', 'held'].includes(b.status);
const hm = (t) => t.slice(0, 5);
const whenOf = (b) => `${longDay(b.date)}, ${hm(b.start_time)}–${hm(b.end_time)}`;

export async function render(container, { calendar, call }) {
  container.append(...heading('Bookings', calendar ? `Times in ${calendar.timezone}. New bookings appear here as they are made.` : null));
  if (!calendar) {
    container.append(el('p', {}, 'Pick a calendar first.'));
    return null;
  }
  const today = calendar.today; // the server's, in the calendar's zone
  const status = field('Status', el('select', { id: 'filter-status' },
    el('option', { value: '' }, 'Any status'),
    ...Object.entries(STATUSES).map(([v, label]) => el('option', { value: v }, label))));
  const from = field('From', el('input', { type: 'date', id: 'filter-from', value: today }));
  const to = field('To', el('input', { type: 'date', id: 'filter-to', value: addDays(today, 13) }));
  const text = field('Name or email', el('input', { type: 'search', id: 'filter-q', maxlength: '200', autocomplete: 'off' }));
  const dayButton = el('button', { type: 'button', class: 'secondary small' }, 'Today');
  const weekButton = el('button', { type: 'button', class: 'secondary small' }, 'Next 7 days');
  const agendaButton = el('button', { type: 'button', class: 'secondary small', 'aria-pressed': 'true' }, 'Agenda');
  const listButton = el('button', { type: 'button', class: 'secondary small', 'aria-pressed': 'false' }, 'List');
  const exportButton = el('button', { type: 'button', class: 'secondary small', id: 'export-csv' }, 'Export CSV');
  const liveNote = el('p', { id: 'live-note', class: 'live-note', 'data-state': 'connecting' }, 'Connecting to live updates…');
  const summary = el('p', { id: 'bookings-summary', 'aria-live': 'polite' });
  const results = el('div', { id: 'bookings-results' });
  const panel = el('section', { id: 'booking-panel', class: 'panel', hidden: true, 'aria-labelledby': 'panel-heading' });
  container.append(
    el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter bookings', onsubmit: (e) => { e.preventDefault(); reload(); } },
      status.wrap, from.wrap, to.wrap, text.wrap),
    el('div', { class: 'actions' }, dayButton, weekButton, agendaButton, listButton, exportButton),
    liveNote, summary, results, panel,
  );

  let view = 'agenda';
  let shown = [];
  let known = null; // ids seen so far: what is new after a live change
  let opened = null; // the booking whose panel is open
  let opener = null;
  let turn = 0;
  let timer = null;

  const path = (offset = 0) => {
    const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    if (status.input.value) params.append('status', status.input.value);
    if (from.input.value) params.set('start_date', from.input.value);
    if (to.input.value) params.set('end_date', to.input.value);
    if (text.input.value.trim()) params.set('q', text.input.value.trim());
    return `/api/v1/calendars/${calendar.id}/bookings?${params}`;
  };

  async function reload({ live = false } = {}) {
    const mine = ++turn;
    let found;
    try {
      found = await call('GET', path());
    } catch (error) {
      if (mine === turn) alertHere(error.message);
      return;
    }
    if (mine !== turn) return;
    const fresh = known ? found.filter((b) => !known.has(b.id)) : [];
    known = new Set([...(known ?? []), ...found.map((b) => b.id)]);
    shown = found;
    draw(new Set(fresh.map((b) => b.id)));
    if (live && fresh.length) {
      announce(fresh.length === 1
        ? `New booking: ${fresh[0].attendee_name ?? 'someone'}, ${whenOf(fresh[0])}.`
        : `${fresh.length} new bookings.`);
    }
    if (opened) await refreshPanel();
  }

  const later = () => { clearTimeout(timer); timer = setTimeout(reload, 250); };
  for (const f of [status, from, to]) f.input.addEventListener('change', () => reload());
  text.input.addEventListener('input', later);
  dayButton.addEventListener('click', () => { from.input.value = today; to.input.value = today; reload(); });
  weekButton.addEventListener('click', () => { from.input.value = today; to.input.value = addDays(today, 6); reload(); });
  const setView = (name) => {
    view = name;
    agendaButton.setAttribute('aria-pressed', String(name === 'agenda'));
    listButton.setAttribute('aria-pressed', String(name === 'list'));
    draw(new Set());
  };
  agendaButton.addEventListener('click', () => setView('agenda'));
  listButton.addEventListener('click', () => setView('list'));
  exportButton.addEventListener('click', () => exportCsv());

  function openButton(b) {
    return el('button', { type: 'button', class: 'secondary small', 'data-booking': String(b.id),
      'aria-label': `Open the booking of ${b.attendee_name ?? 'someone'}, ${whenOf(b)}`,
      onclick: (event) => openPanel(b.id, event.currentTarget) }, 'Open');
  }

  function statusOf(b) {
    return el('span', { class: `status status-${b.status}` }, STATUSES[b.status] ?? b.status);
  }

  function draw(fresh) {
    summary.textContent = `${shown.length} booking${shown.length === 1 ? '' : 's'}${shown.length === PAGE ? ' (the first 500)' : ''}.`;
    if (!shown.length) {
      results.replaceChildren(el('p', { class: 'empty' }, 'No bookings match.'));
      return;
    }
    if (view === 'list') {
      results.replaceChildren(el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Bookings' }, el('table', { id: 'bookings-table' },
        el('caption', { class: 'hint' }, 'Bookings in start order'),
        el('thead', {}, el('tr', {}, ...['When', 'Name', 'Email', 'Status', ''].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, ...shown.map((b) => el('tr', { class: fresh.has(b.id) ? 'is-new' : null, 'data-booking': String(b.id) },
          el('td', {}, whenOf(b)), el('td', {}, b.attendee_name ?? '—'), el('td', {}, b.email ?? '—'),
          el('td', {}, statusOf(b)), el('td', {}, openButton(b))))))));
      return;
    }
    const byDay = new Map();
    for (const b of shown) byDay.set(b.date, [...(byDay.get(b.date) ?? []), b]);
    results.replaceChildren(...[...byDay].map(([day, list]) => el('section', { class: 'agenda-day', 'aria-label': longDay(day) },
      el('h3', {}, longDay(day)),
      el('ul', {}, ...list.map((b) => el('li', { class: fresh.has(b.id) ? 'is-new' : null, 'data-booking': String(b.id) },
        el('strong', {}, `${hm(b.start_time)}–${hm(b.end_time)} `), `${b.attendee_name ?? '—'} `,
        b.seats > 1 ? `(${b.seats} seats) ` : '', statusOf(b), ' ', openButton(b)))))));
  }

  async function exportCsv() {
    let all = [];
    try {
      for (let offset = 0; ; offset += PAGE) {
        const page = await call('GET', path(offset));
        all = all.concat(page);
        if (page.length < PAGE) break;
      }
    } catch (error) {
      alertHere(error.message);
      return;
    }
    const rows = [['id', 'date', 'start_time', 'end_time', 'timezone', 'name', 'email', 'status', 'seats', 'time_slot_id', 'created_at'],
      ...all.map((b) => [b.id, b.date, b.start_time, b.end_time, b.timezone, b.attendee_name, b.email, b.status, b.seats, b.time_slot_id, b.created_at])];
    const link = el('a', {
      href: URL.createObjectURL(new Blob([csv(rows)], { type: 'text/csv' })),
      download: `bookings-${calendar.id}-${from.input.value || 'all'}-${to.input.value || 'all'}.csv`,
    });
    document.body.append(link);
    link.click();
    link.remove();
    announce(`Exported ${all.length} booking${all.length === 1 ? '' : 's'} as CSV.`);
  }

  function closePanel() {
    opened = null;
    panel.hidden = true;
    panel.replaceChildren();
    const back = opener && document.contains(opener) ? opener : results.querySelector(`button[data-booking]`);
    focusOn(back ?? document.getElementById('screen-heading'));
  }
  closeOnEscape(panel, closePanel);

  async function openPanel(id, button) {
    opened = id;
    opener = button;
    await refreshPanel({ focus: true });
  }

  async function refreshPanel({ focus = false } = {}) {
    const id = opened;
    let history;
    let booking;
    try {
      history = await call('GET', `/api/v1/bookings/${id}/history`);
      booking = shown.find((b) => b.id === id) ?? history.at(-1)?.booking;
    } catch (error) {
      alertHere(error.message);
      return;
    }
    if (id !== opened || !booking) return;
    const hadFocus = panel.contains(document.activeElement) ? document.activeElement.id : null;
    const actions = el('div', { class: 'actions' });
    const work = el('div', { id: 'panel-work' });
    if (booking.status === 'pending') {
      actions.append(
        el('button', { type: 'button', id: 'approve', onclick: () => decide(booking, 'approve') }, 'Approve'),
        el('button', { type: 'button', id: 'decline', class: 'danger', onclick: () => decide(booking, 'decline') }, 'Decline'));
    }
    if (active(booking)) {
      actions.append(
        el('button', { type: 'button', id: 'move', class: 'secondary', onclick: () => moveForm(booking, work) }, 'Move'),
        el('button', { type: 'button', id: 'cancel', class: 'danger', onclick: () => cancelForm(booking, work) }, 'Cancel booking'));
    }
    actions.append(el('button', { type: 'button', class: 'secondary', id: 'close-panel', onclick: closePanel }, 'Close'));
    panel.replaceChildren(
      el('h2', { id: 'panel-heading', tabindex: '-1' }, `Booking of ${booking.attendee_name ?? 'someone'}`),
      el('dl', { class: 'details' },
        el('dt', {}, 'When'), el('dd', {}, whenOf(booking)),
        el('dt', {}, 'Name'), el('dd', {}, booking.attendee_name ?? '—'),
        el('dt', {}, 'Email'), el('dd', {}, booking.email ?? '—'),
        el('dt', {}, 'Status'), el('dd', { id: 'panel-status' }, statusOf(booking)),
        el('dt', {}, 'Seats'), el('dd', {}, String(booking.seats))),
      actions, work,
      el('h3', {}, 'History'),
      el('ol', { class: 'history', id: 'history' }, ...history.map((e) => el('li', {},
        `${EVENTS[e.type] ?? e.type}: ${new Date(e.occurred_at).toLocaleString(undefined, { timeZone: calendar.timezone, dateStyle: 'medium', timeStyle: 'short' })}`,
        e.type === 'booking.moved' ? ` (to ${whenOf(e.booking)})` : '')))
    );
    panel.hidden = false;
    if (focus) focusOn(document.getElementById('panel-heading'));
    else if (hadFocus && document.getElementById(hadFocus)) document.getElementById(hadFocus).focus();
  }

  async function act(what, done) {
    try {
      const booking = await what();
      known.add(booking.id);
      announce(done(booking));
      await reload();
      focusOn(document.getElementById('panel-heading'));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      alertHere(error.message);
    }
  }

  function decide(booking, verb) {
    return act(() => call('POST', `/api/v1/bookings/${booking.id}/${verb}`),
      (b) => `${verb === 'approve' ? 'Approved' : 'Declined'}: ${b.attendee_name ?? 'the booking'}, ${whenOf(b)}.`);
  }

  function cancelForm(booking, work) {
    const yes = el('button', { type: 'button', class: 'danger', id: 'confirm-cancel' }, 'Yes, cancel it');
    const no = el('button', { type: 'button', class: 'secondary' }, 'Keep it');
    work.replaceChildren(el('p', {}, `Cancel ${booking.attendee_name ?? 'this booking'}, ${whenOf(booking)}? Its time is offered again at once.`),
      el('div', { class: 'actions' }, yes, no));
    no.addEventListener('click', () => { work.replaceChildren(); focusOn(document.getElementById('cancel')); });
    yes.addEventListener('click', () => act(() => call('POST', `/api/v1/bookings/${booking.id}/cancel`),
      (b) => `Cancelled: ${b.attendee_name ?? 'the booking'}, ${whenOf(b)}.`));
    focusOn(yes);
  }

  async function moveForm(booking, work) {
    if (booking.time_slot_id !== null) {
      let slots;
      try {
        slots = (await call('GET', `/api/v1/events/${booking.calendar_id}/slots`)).filter((s) => s.id !== booking.time_slot_id);
      } catch (error) {
        alertHere(error.message);
        return;
      }
      const choice = field('Move to the time slot', el('select', { id: 'move-slot' },
        ...slots.map((s) => el('option', { value: String(s.id), disabled: s.available_spots < booking.seats }, `${hm(s.start_time)}–${hm(s.end_time)} (${s.available_spots} free)`))));
      const go = el('button', { type: 'button', id: 'confirm-move' }, 'Move here');
      go.addEventListener('click', () => act(() => call('POST', `/api/v1/bookings/${booking.id}/move`, { time_slot_id: Number(choice.input.value) }),
        (b) => `Moved to ${whenOf(b)}.`));
      work.replaceChildren(choice.wrap, go);
      focusOn(choice.input);
      return;
    }
    const day = field('Move to the day', el('input', { type: 'date', id: 'move-date', value: booking.date }));
    const times = el('div', { id: 'move-times' });
    const showTimes = async () => {
      let openings;
      try {
        openings = await call('GET', `/api/v1/calendars/${calendar.id}/openings?start_date=${day.input.value}&days=1`);
      } catch (error) {
        times.replaceChildren(el('p', { class: 'field-error' }, error.message));
        return;
      }
      const slots = openings.days[0]?.slots ?? [];
      if (!slots.length) {
        times.replaceChildren(el('p', { class: 'empty' }, 'No free time that day.'));
        return;
      }
      times.replaceChildren(el('fieldset', { class: 'slot-set' }, el('legend', {}, `Free times on ${longDay(day.input.value)}`),
        el('div', { class: 'slots' }, ...slots.map((s, i) => el('label', { class: 'slot' },
          el('input', { type: 'radio', name: 'move-to', value: s.start_at, checked: i === 0 }),
          el('span', { class: 'slot-time' }, `${s.start_time}–${s.end_time}`))))),
      el('div', { class: 'actions' }, el('button', { type: 'button', id: 'confirm-move', onclick: () => {
        const picked = times.querySelector('input[name="move-to"]:checked');
        act(() => call('POST', `/api/v1/bookings/${booking.id}/move`, { start_at: picked.value }), (b) => `Moved to ${whenOf(b)}.`);
      } }, 'Move here')));
    };
    day.input.addEventListener('change', showTimes);
    work.replaceChildren(day.wrap, times);
    await showTimes();
    focusOn(day.input);
  }

  await reload();
  const feed = follow(`/api/v1/calendars/${calendar.id}/changes`, {
    onEvent: (name) => {
      if (name === 'change' || name === 'ready') reload({ live: true });
    },
    onState: (state) => {
      liveNote.dataset.state = state;
      liveNote.textContent = state === 'live' ? 'Live: changes show as they happen.' : 'Reconnecting to live updates…';
    },
  });
  return () => {
    feed.stop();
    clearTimeout(timer);
    turn += 1;
  };
}

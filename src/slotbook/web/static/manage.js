/** The manage page, /manage/{token}: view, move or cancel one booking. */

import { api, isTaken } from './api.js';
import { calendarSource, eventSource, SlotPicker, slotLabel } from './slots.js';
import { dayIn, elsewhere, visitorZone, when } from './time.js';
import { announce, clearMessages, el, fail } from './ui.js';

const token = decodeURIComponent(location.pathname.slice('/manage/'.length));
const path = `/api/v1/bookings/${encodeURIComponent(token)}`;
const main = document.getElementById('main');
const details = document.getElementById('details');
const actions = document.getElementById('actions');
const panel = document.getElementById('panel');
let booking;
let calendar; // the event or calendar the booking is on
let picker;

const STATUS = {
  confirmed: 'Confirmed',
  held: 'Held, not yet confirmed',
  cancelled: 'Cancelled',
  expired: 'Expired (the hold ran out)',
};
const isEvent = () => booking.calendar_kind === 'event';
const isActive = () => booking.status === 'confirmed' || booking.status === 'held';

function row(term, ...value) {
  return [el('dt', {}, term), el('dd', {}, ...value)];
}

function render() {
  const other = elsewhere(booking.start_at, booking.end_at, booking.timezone);
  details.replaceChildren(
    ...row('What', calendar.name || `Calendar ${calendar.id}`),
    ...row('When', when(booking.start_at, booking.end_at),
      el('span', { class: 'zone' }, ` (your time, ${visitorZone()})`),
      other ? el('span', { class: 'slot-detail' }, other) : null),
    ...row('Name', booking.attendee_name ?? '—'),
    ...(booking.email ? row('Email', booking.email) : []),
    ...row('Status', el('strong', { class: `status status-${booking.status}` }, STATUS[booking.status] ?? booking.status)),
  );
  actions.replaceChildren(...(isActive() ? [
    el('button', { type: 'button', onclick: openMove }, 'Move to another time'),
    el('button', { type: 'button', class: 'danger', onclick: openCancel }, 'Cancel booking'),
  ] : [el('p', {}, el('a', { href: bookAgainUrl() }, 'Book a new time'))]));
}

const bookAgainUrl = () => `/book/${isEvent() ? 'event' : 'calendar'}/${booking.calendar_id}`;

function closePanel() {
  picker?.close();
  picker = null;
  panel.replaceChildren();
  panel.hidden = true;
}

function openPanel(heading, ...children) {
  closePanel();
  clearMessages();
  const title = el('h2', { tabindex: '-1' }, heading);
  panel.replaceChildren(title, ...children);
  panel.hidden = false;
  title.focus();
}

function openMove() {
  const pickerBox = el('div');
  const confirm = el('button', { type: 'button', disabled: true, onclick: () => move(confirm) }, 'Move here');
  openPanel('Move to another time', pickerBox, el('div', { class: 'actions' }, confirm,
    el('button', { type: 'button', class: 'secondary', onclick: closePanel }, 'Keep the current time')));
  const source = isEvent() ? eventSource(calendar, booking.time_slot_id) : calendarSource(calendar);
  picker = new SlotPicker(pickerBox, source, {
    onSelect: (slot) => {
      confirm.disabled = !slot;
      confirm.textContent = slot ? `Move to ${slotLabel(slot)}` : 'Move here';
    },
  });
  const current = dayIn(booking.start_at, visitorZone());
  if (source.byDay && current > source.firstDay) picker.day = current;
  picker.refresh();
}

async function move(confirm) {
  const slot = picker.selected;
  if (!slot) return;
  const body = isEvent() ? { new_time_slot_id: slot.id } : { new_date: slot.date, new_time: slot.time };
  confirm.disabled = true;
  picker.claiming = slot.key;
  try {
    booking = await api('PUT', path, body);
  } catch (error) {
    picker.claiming = null;
    if (isTaken(error)) {
      announce(`Sorry, ${slotLabel(slot)} was just booked by someone else. Your booking has not moved; please choose another time.`, { urgent: true });
      picker.selected = null;
      await picker.refresh();
    } else {
      announce(error.message, { urgent: true });
      confirm.disabled = false;
    }
    return;
  }
  closePanel();
  render();
  announce(`Moved. Your booking is now ${when(booking.start_at, booking.end_at)}.`);
  document.getElementById('heading').focus();
}

function openCancel() {
  const yes = el('button', { type: 'button', class: 'danger', onclick: () => cancel(yes) }, 'Yes, cancel it');
  openPanel('Cancel this booking?',
    el('p', {}, 'The time is freed for others at once. This cannot be undone.'),
    el('div', { class: 'actions' }, yes,
      el('button', { type: 'button', class: 'secondary', onclick: closePanel }, 'No, keep it')));
}

async function cancel(yes) {
  yes.disabled = true;
  try {
    await api('DELETE', path);
    booking = await api('GET', path);
  } catch (error) {
    announce(error.message, { urgent: true });
    yes.disabled = false;
    return;
  }
  closePanel();
  render();
  announce('Your booking is cancelled.');
  document.getElementById('heading').focus();
}

async function start() {
  try {
    booking = await api('GET', path);
    calendar = isEvent()
      ? await api('GET', `/api/v1/events/${booking.calendar_id}`)
      : await api('GET', `/api/v1/calendars/${booking.calendar_id}`);
  } catch (error) {
    fail(main, 'Booking not found', error.status === 404
      ? 'No booking has this link. Check that you copied the whole link.'
      : error.message);
    return;
  }
  render();
}

start();

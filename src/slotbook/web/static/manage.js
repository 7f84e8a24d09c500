/** The manage page, /manage/{token}: view, move or cancel one booking. */

import { api, isTaken } from './api.js';
import { reportHeight } from './embedded.js';
import { DayFollower } from './live.js';
import { calendarSource, eventSource, SlotPicker, slotLabel } from './slots.js';
import { dayIn, elsewhere, visitorZone, when } from './time.js';
import { alertHere, announce, clearMessages, closeOnEscape, el, fail, focusOn } from './ui.js';

const token = decodeURIComponent(location.pathname.slice('/manage/'.length));
const path = `/api/v1/bookings/${encodeURIComponent(token)}`;
const main = document.getElementById('main');
const details = document.getElementById('details');
const actions = document.getElementById('actions');
const panel = document.getElementById('panel');
const heading = document.getElementById('heading');
let booking;
let calendar; // the event or calendar the booking is on
let picker;
let opener = null; // the button that opened the panel: focus goes back to it
let follower = null; // the booking's calendar-day, live
// Reads and changes of the booking this page has sent: a read's answer counts only if
// nothing was sent after it (answers can arrive out of order; a later one tells more).
let sent = 0;

const STATUS = {
  confirmed: 'Confirmed',
  pending: 'Requested: waiting for the owner\'s approval',
  held: 'Held, not yet confirmed',
  cancelled: 'Cancelled',
  declined: 'Declined by the owner',
  expired: 'Expired (the hold ran out)',
};
/** How a booking that is no longer active ended, said when it happens elsewhere. */
const ENDED = {
  cancelled: 'This booking was cancelled elsewhere.',
  declined: 'The owner declined this booking.',
};
const isEvent = () => booking.calendar_kind === 'event';
const isActive = () => ['confirmed', 'pending', 'held'].includes(booking.status);

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
    el('button', { type: 'button', id: 'open-move', onclick: openMove }, 'Move to another time'),
    el('button', { type: 'button', id: 'open-cancel', class: 'danger', onclick: openCancel }, 'Cancel booking'),
  ] : [el('p', {}, el('a', { href: bookAgainUrl() }, 'Book a new time'))]));
  follow();
}

/** Hear of any change to the booking's calendar-day, and read the booking again. */
function follow() {
  follower ??= new DayFollower(booking.calendar_id, { onUpdate: reread });
  // A change between the first read and the subscription is caught by its first state.
  follower.follow([isEvent() ? calendar.event_date : booking.date], { late: true });
}

async function reread() {
  const mine = ++sent;
  let now;
  try {
    now = await api('GET', path);
  } catch {
    return; // the live note of a picker, or the next change, tells more
  }
  if (mine !== sent) return;
  const changed = now.status !== booking.status || now.start_at !== booking.start_at;
  const approved = booking.status === 'pending' && now.status === 'confirmed';
  booking = now;
  if (!changed) return;
  const focusWasInPanel = panel.contains(document.activeElement);
  if (!isActive()) closePanel();
  render();
  if (!isActive()) {
    const ended = ENDED[booking.status] ?? 'This booking has ended.';
    announce(`${ended} It can no longer be moved or cancelled.`, { urgent: true });
  } else if (approved) {
    announce('The owner approved this booking: it is confirmed.');
  } else {
    announce(`This booking was changed elsewhere: it is now ${when(booking.start_at, booking.end_at)}.`);
  }
  if (focusWasInPanel || document.activeElement === document.body) focusOn(heading);
}

const bookAgainUrl = () => `/book/${isEvent() ? 'event' : 'calendar'}/${booking.calendar_id}`;

function closePanel() {
  picker?.close();
  picker = null;
  panel.replaceChildren();
  panel.hidden = true;
}

/** Close the panel and give the keyboard back to the button that opened it. */
function keep() {
  closePanel();
  focusOn(document.getElementById(opener) ?? heading);
}

function openPanel(title, ...children) {
  opener = document.activeElement?.id || null;
  closePanel();
  clearMessages();
  const titleNode = el('h2', { tabindex: '-1', id: 'panel-heading' }, title);
  panel.replaceChildren(titleNode, ...children);
  panel.setAttribute('aria-labelledby', 'panel-heading');
  panel.hidden = false;
  titleNode.focus();
}

function openMove() {
  const pickerBox = el('div');
  // aria-disabled, not disabled: a live change that unpicks the time keeps the focus here.
  const confirm = el('button', { type: 'button', 'aria-disabled': 'true', onclick: () => move(confirm) }, 'Move here');
  openPanel('Move to another time', pickerBox, el('div', { class: 'actions' }, confirm,
    el('button', { type: 'button', class: 'secondary', onclick: keep }, 'Keep the current time')));
  const source = isEvent() ? eventSource(calendar, booking.time_slot_id) : calendarSource(calendar);
  picker = new SlotPicker(pickerBox, source, {
    onSelect: (slot) => {
      confirm.setAttribute('aria-disabled', String(!slot));
      confirm.textContent = slot ? `Move to ${slotLabel(slot)}` : 'Move here';
    },
  });
  const current = dayIn(booking.start_at, visitorZone());
  if (source.byDay && current > source.firstDay) picker.day = current;
  picker.refresh();
}

async function move(confirm) {
  const slot = picker.selected;
  if (!slot || confirm.getAttribute('aria-disabled') === 'true') return;
  const body = isEvent() ? { new_time_slot_id: slot.id } : { new_date: slot.date, new_time: slot.time };
  // Still focusable while the move is under way: aria-disabled, not disabled.
  confirm.setAttribute('aria-disabled', 'true');
  picker.claiming = slot.key;
  sent += 1;
  try {
    booking = await api('PUT', path, body);
  } catch (error) {
    picker.claiming = null;
    confirm.setAttribute('aria-disabled', 'false');
    if (isTaken(error)) {
      picker.selected = null;
      await picker.refresh();
      picker.showError(`Sorry, ${slotLabel(slot)} was just booked by someone else. Your booking has not moved; please choose another time.`);
    } else {
      picker.showError(`Your booking has not moved: ${error.message}`);
    }
    return;
  }
  closePanel();
  render();
  announce(`Moved. Your booking is now ${when(booking.start_at, booking.end_at)}.`);
  heading.focus();
}

function openCancel() {
  const yes = el('button', { type: 'button', class: 'danger', onclick: () => cancel(yes) }, 'Yes, cancel it');
  openPanel('Cancel this booking?',
    el('p', {}, 'The time is freed for others at once. This cannot be undone.'),
    el('div', { class: 'actions' }, yes,
      el('button', { type: 'button', class: 'secondary', onclick: keep }, 'No, keep it')));
}

async function cancel(yes) {
  if (yes.getAttribute('aria-disabled') === 'true') return;
  yes.setAttribute('aria-disabled', 'true');
  sent += 1;
  try {
    await api('DELETE', path);
    booking = await api('GET', path);
  } catch (error) {
    yes.removeAttribute('aria-disabled');
    await reread(); // it may have changed elsewhere: then the page says so
    if (isActive()) alertHere(`Your booking was not cancelled: ${error.message}`);
    return;
  }
  closePanel();
  render();
  announce('Your booking is cancelled.');
  heading.focus();
}

closeOnEscape(panel, keep);

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

reportHeight();

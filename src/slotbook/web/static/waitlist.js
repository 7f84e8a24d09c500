/** The waitlist page, /waitlist/{token}: where one is in line; take an offered place, or leave. */

import { api } from './api.js';
import { dayIn, longDay, timeIn, visitorZone, when } from './time.js';
import { alertHere, announce, clearMessages, el, fail } from './ui.js';

const token = decodeURIComponent(location.pathname.slice('/waitlist/'.length));
const path = `/api/v1/waitlist/${encodeURIComponent(token)}`;
const main = document.getElementById('main');
const details = document.getElementById('details');
const actions = document.getElementById('actions');
let entry;

const STATUS = {
  waiting: 'Waiting',
  offered: 'A place is held for you',
  booked: 'Booked',
  lapsed: 'The offer ran out',
  left: 'You left the waitlist',
};

/** "Monday, 20 January 2031, 09:00" in the visitor's zone. */
function moment(instant, zone = visitorZone()) {
  return `${longDay(dayIn(instant, zone))}, ${timeIn(instant, zone)}`;
}

function row(term, ...value) {
  return [el('dt', {}, term), el('dd', {}, ...value)];
}

function render() {
  const rows = [
    ...row('When', when(entry.start_at, entry.end_at)),
    ...row('Name', entry.name),
    ...row('Status', el('strong', { class: `status status-${entry.status}` }, STATUS[entry.status] ?? entry.status)),
  ];
  if (entry.status === 'waiting') rows.push(...row('Place in line', String(entry.position)));
  if (entry.offer_expires_at) rows.push(...row('Take it before', moment(entry.offer_expires_at)));
  details.replaceChildren(...rows);
  const buttons = [];
  if (entry.status === 'offered') {
    buttons.push(el('button', { type: 'button', id: 'accept', onclick: accept }, 'Take the place'));
  }
  if (entry.status === 'waiting' || entry.status === 'offered') {
    buttons.push(el('button', { type: 'button', id: 'leave', class: 'danger', onclick: leave }, 'Leave the waitlist'));
  }
  if (entry.status === 'booked' && entry.booking) {
    buttons.push(el('p', {}, 'Your booking was made: use the link you were given when you took the place to manage it.'));
  }
  actions.replaceChildren(...buttons);
}

async function accept() {
  clearMessages();
  try {
    const booking = await api('POST', `${path}/accept`);
    const link = new URL(`/manage/${booking.booking_token}`, location.href).href;
    entry = await api('GET', path);
    render();
    actions.replaceChildren(
      el('p', {}, 'You are booked. Keep this link: with it you can view, move or cancel your booking. It is shown only once.'),
      el('p', { class: 'manage-link' }, el('a', { id: 'manage-link', href: link }, link)),
    );
    announce('You are booked.');
  } catch (error) {
    alertHere(error.message);
    await load();
  }
}

async function leave() {
  clearMessages();
  try {
    entry = await api('DELETE', path);
    render();
    announce('You left the waitlist.');
  } catch (error) {
    alertHere(error.message);
  }
}

async function load() {
  try {
    entry = await api('GET', path);
  } catch (error) {
    fail(main, 'This waitlist link does not work', error.message);
    return;
  }
  render();
}

load();

/** The bookings this browser made on boards: their tokens, kept in localStorage, by
calendar, day and slot. Only a slot whose token is here is offered for cancelling. */

const KEY = 'slotbook:board-bookings';

function read() {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return stored && typeof stored === 'object' ? stored : {};
  } catch {
    return {};
  }
}

function write(all) {
  try {
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // Storage refused (private mode, full): the bookings are only this page's to cancel.
  }
}

/** Bookings of days long gone are of no more use: forget them. */
function prune() {
  const all = read();
  const old = new Date(Date.now() - 2 * 86400000).toISOString().slice(0, 10);
  const kept = Object.fromEntries(Object.entries(all).filter(([key]) => key.split('/')[1] >= old));
  if (Object.keys(kept).length !== Object.keys(all).length) write(kept);
}

prune();
const memory = read();
const keyOf = (calendarId, date, slotId) => `${calendarId}/${date}/${slotId}`;

export const boardTokens = {
  get(calendarId, date, slotId) {
    return read()[keyOf(calendarId, date, slotId)] ?? memory[keyOf(calendarId, date, slotId)];
  },
  set(calendarId, date, slotId, token) {
    memory[keyOf(calendarId, date, slotId)] = token;
    write({ ...read(), [keyOf(calendarId, date, slotId)]: token });
  },
  forget(calendarId, date, slotId) {
    delete memory[keyOf(calendarId, date, slotId)];
    const all = read();
    delete all[keyOf(calendarId, date, slotId)];
    write(all);
  },
};

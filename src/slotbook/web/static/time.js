/** Days and times for people: shown in the visitor's zone, with the calendar's beside it. */

export const visitorZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** The visitor-local (or `zone`-local) day of an instant, as YYYY-MM-DD. */
export function dayIn(instant, zone) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

export function timeIn(instant, zone) {
  return new Intl.DateTimeFormat(undefined, { timeZone: zone, hour: '2-digit', minute: '2-digit' })
    .format(new Date(instant));
}

export function span(startAt, endAt, zone) {
  return `${timeIn(startAt, zone)}–${timeIn(endAt, zone)}`;
}

function utcDate(isoDay) {
  const [y, m, d] = isoDay.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

/** "Monday, 20 January 2031" for a YYYY-MM-DD day. */
export function longDay(isoDay) {
  return new Intl.DateTimeFormat(undefined, {
    timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric',
  }).format(utcDate(isoDay));
}

export function addDays(isoDay, days) {
  const date = utcDate(isoDay);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** When an instant range is, for this visitor: "Monday, 20 January 2031, 10:00–11:00". */
export function when(startAt, endAt, zone = visitorZone()) {
  return `${longDay(dayIn(startAt, zone))}, ${span(startAt, endAt, zone)}`;
}

/** "Buenos Aires" for America/Argentina/Buenos_Aires. */
export const place = (zone) => zone.split('/').pop().replaceAll('_', ' ');

/** The same range in the calendar's zone, when that differs from the visitor's. */
export function elsewhere(startAt, endAt, calendarZone, zone = visitorZone()) {
  if (calendarZone === zone) return '';
  return `${span(startAt, endAt, calendarZone)} in ${place(calendarZone)}`;
}

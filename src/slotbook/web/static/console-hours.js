/** #hours: the weekly hours (several ranges a day), date exceptions and extra dates,
with a live preview of the next 14 days' free slots under what is being edited; and the
calendar's settings, each saved through the API with its message beside the field. */

import { ApiError } from './api.js';
import { field, heading, showApiError, uid } from './console-form.js';
import { longDay } from './time.js';
import { alertHere, announce, el, fieldError, focusOn } from './ui.js';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const LABELS = {
  timezone: ['Time zone', 'IANA name, e.g. Europe/Berlin'],
  min_notice_minutes: ['Minimum notice (minutes)'],
  horizon_days: ['Bookable up to (days ahead)'],
  change_cutoff_minutes: ['Changes allowed until (minutes before)'],
  cancel_cutoff_minutes: ['Cancelling allowed until (minutes before)', 'empty: as for changes'],
  move_cutoff_minutes: ['Moving allowed until (minutes before)', 'empty: as for changes'],
  buffer_before_minutes: ['Buffer before each booking (minutes)'],
  buffer_after_minutes: ['Buffer after each booking (minutes)'],
  max_per_day: ['Most bookings a day', 'empty: no limit'],
  max_per_week: ['Most bookings a week', 'empty: no limit'],
  max_per_booker_per_day: ['Most bookings per person a day', 'empty: no limit'],
  max_per_booker_per_week: ['Most bookings per person a week', 'empty: no limit'],
  requires_approval: ['New bookings wait for my approval'],
  approval_timeout_minutes: ['Pending bookings are declined after (minutes)'],
  max_seats_per_booking: ['Most seats one booking may take'],
  waitlist_offer_minutes: ['A freed place is held for the next in line for (minutes)'],
  reminder_minutes: ['Email a reminder this long before (minutes)', '0: no reminder'],
  email: ['Send a notice of each booking to', 'empty: the provider\'s own email, if any'],
};
const READ_ONLY = new Set(['calendar_id', 'kind', 'slot_minutes']);
const NULLABLE = new Set([
  'cancel_cutoff_minutes', 'move_cutoff_minutes', 'max_per_day', 'max_per_week',
  'max_per_booker_per_day', 'max_per_booker_per_week',
]);
const humanize = (key) => key.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());
const hhmm = (t) => t.slice(0, 5);

export async function render(container, { me, calendar, call }) {
  container.append(...heading('Hours', calendar ? `When ${calendar.name || `calendar ${calendar.id}`} can be booked, in its zone (${calendar.timezone}).` : null));
  if (!calendar) {
    container.append(el('p', {}, 'Pick a calendar first.'));
    return null;
  }
  const base = `/api/v1/calendars/${calendar.id}`;
  let hours;
  let settings;
  try {
    [hours, settings] = await Promise.all([call('GET', `${base}/hours`), call('GET', `${base}/settings`)]);
  } catch (error) {
    container.append(el('p', { class: 'message alert' }, error.message));
    return null;
  }
  const editor = new HoursEditor(hours, () => preview.refresh());
  const preview = new Preview(() => call('POST', `${base}/hours/preview`, editor.body()));
  const save = el('button', { type: 'submit', id: 'save-hours' }, 'Save hours');
  const hoursForm = el('form', { id: 'hours-form', novalidate: true, 'aria-labelledby': 'weekly-heading' },
    editor.node, el('div', { class: 'actions' }, save));
  hoursForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    save.setAttribute('aria-disabled', 'true');
    try {
      editor.clearErrors();
      const saved = await call('PUT', `${base}/hours`, editor.body());
      editor.load(saved);
      announce('Hours saved. The booking page offers them now.');
      preview.refresh();
    } catch (error) {
      showApiError(error, (loc) => editor.fieldAt(loc));
    } finally {
      save.removeAttribute('aria-disabled');
    }
  });
  container.append(
    el('div', { class: 'columns' }, hoursForm, preview.node),
    settingsForm(settings, calendar, me, call),
  );
  if (calendar.who_may_book === 'anyone' && calendar.kind !== 'event') {
    container.append(el('p', {}, 'Public booking page: ',
      el('a', { href: `/book/calendar/${calendar.id}` }, `/book/calendar/${calendar.id}`)));
  }
  preview.refresh();
  return () => preview.stop();
}

/** One time range: two labelled time inputs and a remove button. */
function rangeRow(range, where, onChange, onRemove) {
  const start = field('From', el('input', { type: 'time', value: range ? hhmm(range.start) : '09:00', required: true, 'data-part': 'start' }));
  const end = field('To', el('input', { type: 'time', value: range ? hhmm(range.end) : '17:00', required: true, 'data-part': 'end' }));
  const remove = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Remove this range (${where})` }, 'Remove');
  const node = el('div', { class: 'range' }, start.wrap, end.wrap, remove);
  for (const f of [start, end]) f.input.addEventListener('input', onChange);
  remove.addEventListener('click', () => onRemove(node));
  node.fields = { start, end };
  node.extra = range ? { valid_from: range.valid_from ?? null, valid_until: range.valid_until ?? null } : {};
  return node;
}

class HoursEditor {
  constructor(hours, onChange) {
    this.onChange = onChange;
    this.node = el('div', { class: 'hours-editor' });
    this.located = new Map(); // "weekly.3.start" -> field
    this.load(hours);
  }

  changed() {
    this.onChange();
  }

  load(hours) {
    this.days = WEEKDAYS.map(() => el('div', { class: 'ranges' }));
    const weekly = el('fieldset', { class: 'week' },
      el('legend', { id: 'weekly-heading' }, el('h2', {}, 'Every week')));
    WEEKDAYS.forEach((name, day) => {
      for (const r of hours.weekly.filter((w) => w.weekday === day)) this.days[day].append(this.row(r, name, this.days[day]));
      const add = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Add hours on ${name}` }, 'Add hours');
      add.addEventListener('click', () => {
        const row = this.row(null, name, this.days[day]);
        this.days[day].append(row);
        focusOn(row.fields.start.input);
        this.changed();
      });
      weekly.append(el('fieldset', { class: 'day', 'data-weekday': String(day) },
        el('legend', {}, name), this.days[day], el('p', { class: 'closed-note' }, 'Closed'), add));
    });
    this.exceptions = el('div', { class: 'dated-list' });
    this.extras = el('div', { class: 'dated-list' });
    for (const d of hours.exceptions) this.exceptions.append(this.dated(d, true));
    for (const d of hours.extra) this.extras.append(this.dated(d, false));
    const addException = el('button', { type: 'button', class: 'secondary', id: 'add-exception' }, 'Add a date exception');
    addException.addEventListener('click', () => this.addDated(this.exceptions, true));
    const addExtra = el('button', { type: 'button', class: 'secondary', id: 'add-extra' }, 'Add an extra date');
    addExtra.addEventListener('click', () => this.addDated(this.extras, false));
    this.node.replaceChildren(
      weekly,
      el('section', { 'aria-labelledby': 'exceptions-heading' },
        el('h2', { id: 'exceptions-heading' }, 'Date exceptions'),
        el('p', { class: 'hint' }, 'On these dates the weekly hours do not apply: closed, or other hours.'),
        this.exceptions, addException),
      el('section', { 'aria-labelledby': 'extras-heading' },
        el('h2', { id: 'extras-heading' }, 'Extra dates'),
        el('p', { class: 'hint' }, 'Hours added to a date, on top of its weekly hours.'),
        this.extras, addExtra),
    );
  }

  row(range, where, list) {
    return rangeRow(range, where, () => this.changed(), (node) => {
      const next = node.nextElementSibling ?? node.previousElementSibling;
      node.remove();
      this.changed();
      focusOn(next?.fields?.start.input ?? list.parentElement.querySelector('button:last-of-type'));
    });
  }

  addDated(list, replace) {
    const item = this.dated(null, replace);
    list.append(item);
    focusOn(item.dateField.input);
    this.changed();
  }

  /** A dated entry: its date, (exceptions) whether closed, and its ranges. */
  dated(entry, replace) {
    const kind = replace ? 'Exception' : 'Extra date';
    const date = field('Date', el('input', { type: 'date', required: true, value: entry?.date ?? '' }));
    const ranges = el('div', { class: 'ranges' });
    const where = () => `${kind.toLowerCase()} ${date.input.value || 'without a date'}`;
    for (const r of entry?.ranges ?? []) ranges.append(this.row(r, where(), ranges));
    const closed = replace ? el('input', { type: 'checkbox', id: uid('closed') }) : null;
    if (closed) closed.checked = entry ? entry.ranges.length === 0 : true;
    const add = el('button', { type: 'button', class: 'secondary small' }, 'Add hours');
    add.addEventListener('click', () => {
      if (closed) closed.checked = false;
      sync();
      const row = this.row(null, where(), ranges);
      ranges.append(row);
      focusOn(row.fields.start.input);
      this.changed();
    });
    const remove = el('button', { type: 'button', class: 'secondary small' }, `Remove this ${kind.toLowerCase()}`);
    const item = el('fieldset', { class: 'dated' },
      el('legend', {}, kind), date.wrap,
      closed ? el('div', { class: 'check' }, closed, el('label', { for: closed.id }, 'Closed all day')) : null,
      ranges, el('div', { class: 'actions' }, add, remove));
    const sync = () => {
      ranges.hidden = Boolean(closed?.checked);
      if (closed?.checked) ranges.replaceChildren();
    };
    sync();
    closed?.addEventListener('change', () => { sync(); this.changed(); });
    date.input.addEventListener('input', () => this.changed());
    remove.addEventListener('click', () => {
      const list = item.parentElement;
      item.remove();
      this.changed();
      focusOn(list.nextElementSibling);
    });
    item.dateField = date;
    item.ranges = ranges;
    item.closed = closed;
    return item;
  }

  clearErrors() {
    for (const f of this.located.values()) fieldError(f.error, [f.input], '');
  }

  /** The hours as the API takes them; remembers which field each value came from. */
  body() {
    this.located.clear();
    const ranges = (list, prefix) => [...list.children].map((row, i) => {
      this.located.set(`${prefix}.${i}.start`, row.fields.start);
      this.located.set(`${prefix}.${i}.end`, row.fields.end);
      return { start: row.fields.start.input.value, end: row.fields.end.input.value, ...row.extra };
    });
    const weekly = [];
    this.days.forEach((list, weekday) => {
      for (const r of [...list.children]) {
        const i = weekly.length;
        this.located.set(`weekly.${i}.start`, r.fields.start);
        this.located.set(`weekly.${i}.end`, r.fields.end);
        this.located.set(`weekly.${i}`, r.fields.start);
        weekly.push({ weekday, start: r.fields.start.input.value, end: r.fields.end.input.value, ...r.extra });
      }
    });
    const dated = (list, name) => [...list.children].map((item, i) => {
      this.located.set(`${name}.${i}.date`, item.dateField);
      return { date: item.dateField.input.value, ranges: ranges(item.ranges, `${name}.${i}.ranges`).map(({ start, end }) => ({ start, end })) };
    });
    return { weekly, exceptions: dated(this.exceptions, 'exceptions'), extra: dated(this.extras, 'extra') };
  }

  fieldAt(loc) {
    const path = loc.filter((p) => p !== 'body').join('.');
    return this.located.get(path) ?? null;
  }
}

/** The next 14 days' free slots under the hours being edited (nothing saved). */
class Preview {
  constructor(load) {
    this.load = load;
    this.timer = null;
    this.turn = 0;
    this.note = el('p', { id: 'preview-note', class: 'hint', 'aria-live': 'polite' });
    this.days = el('div', { id: 'preview-days', class: 'preview-days', tabindex: '0', role: 'region', 'aria-label': 'Free slots by day' });
    this.node = el('section', { class: 'preview', 'aria-labelledby': 'preview-heading' },
      el('h2', { id: 'preview-heading' }, 'Next 14 days'), this.note, this.days);
  }

  refresh() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.show(), 250);
  }

  stop() {
    clearTimeout(this.timer);
    this.turn += 1;
  }

  async show() {
    const turn = ++this.turn;
    let preview;
    try {
      preview = await this.load();
    } catch (error) {
      if (turn !== this.turn) return;
      if (!(error instanceof ApiError)) throw error;
      this.note.textContent = `No preview: ${error.message}`;
      return;
    }
    if (turn !== this.turn) return;
    const total = preview.days.reduce((n, d) => n + d.slots.length, 0);
    this.note.textContent = `${total} free slot${total === 1 ? '' : 's'} in the next 14 days, times in ${preview.timezone}.`;
    this.days.replaceChildren(...preview.days.map((day) => el('div', { class: 'preview-day', 'data-date': day.date },
      el('h3', {}, longDay(day.date)),
      day.slots.length
        ? el('ul', { class: 'preview-slots' }, ...day.slots.map((s) => el('li', {}, s.start_time)))
        : el('p', { class: 'empty' }, 'Closed'))));
  }
}

function settingsForm(settings, calendar, me, call) {
  const fields = {};
  const form = el('form', { id: 'settings-form', novalidate: true, 'aria-labelledby': 'settings-heading' },
    el('h2', { id: 'settings-heading' }, 'Settings and booking rules'),
    el('p', { class: 'hint' }, `Slots are ${settings.slot_minutes} minutes long (set when the calendar was made).`));
  const grid = el('div', { class: 'settings-grid' });
  for (const [key, value] of Object.entries(settings)) {
    if (READ_ONLY.has(key)) continue;
    const [label, hint] = LABELS[key] ?? [humanize(key)];
    let input;
    if (typeof value === 'boolean') {
      input = el('input', { type: 'checkbox', name: key, id: `setting-${key}` });
      input.checked = value;
      const error = el('p', { id: uid('err'), class: 'field-error' });
      grid.append(el('div', { class: 'field check' }, input, el('label', { for: input.id }, label), error));
      fields[key] = { input, error, kind: 'boolean' };
      continue;
    }
    const numeric = typeof value === 'number' || NULLABLE.has(key);
    const type = numeric ? 'number' : key === 'email' ? 'email' : 'text';
    input = el('input', { type, name: key, id: `setting-${key}`, inputmode: numeric ? 'numeric' : null, min: numeric ? '0' : null });
    input.value = value ?? '';
    const f = field(label, input, { hint });
    grid.append(f.wrap);
    fields[key] = { ...f, kind: numeric ? 'number' : 'text' };
  }
  const save = el('button', { type: 'submit', id: 'save-settings' }, 'Save settings');
  form.append(grid, el('div', { class: 'actions' }, save));
  if (calendar.kind === 'provider' && calendar.user_id === me.id) form.append(policy(calendar, me, call));
  let saved = settings;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const changes = {};
    for (const [key, f] of Object.entries(fields)) {
      fieldError(f.error, [f.input], '');
      let value = f.kind === 'boolean' ? f.input.checked : f.input.value.trim();
      if (value === '') value = null; // an emptied field clears the setting (a notice email, a limit)
      else if (f.kind === 'number') value = Number(value);
      if (value !== saved[key]) changes[key] = value;
    }
    if (!Object.keys(changes).length) {
      announce('Nothing changed.');
      return;
    }
    save.setAttribute('aria-disabled', 'true');
    try {
      saved = await call('PATCH', `/api/v1/calendars/${calendar.id}/settings`, changes);
      announce('Settings saved.');
    } catch (error) {
      showApiError(error, (loc) => fields[loc.at(-1)] ?? fields[String(error.message).split(':')[0]] ?? null);
      if (error instanceof ApiError && !error.problems.length) {
        const name = String(error.message).split(':')[0];
        if (fields[name]) fieldError(fields[name].error, [fields[name].input], error.message);
      }
    } finally {
      save.removeAttribute('aria-disabled');
    }
  });
  return form;
}

/** A 004 provider's own calendar: open it to everyone (its public booking page) or
keep it for signed-in patients. */
function policy(calendar, me, call) {
  const box = el('input', { type: 'checkbox', id: 'open-to-anyone' });
  box.checked = calendar.who_may_book === 'anyone';
  box.addEventListener('change', async () => {
    const who_may_book = box.checked ? 'anyone' : 'signed_in_patients';
    try {
      await call('PUT', `/providers/${me.id}/booking-policy`, { who_may_book });
      calendar.who_may_book = who_may_book;
      announce(box.checked ? 'Anyone may now book on the public booking page.' : 'Only signed-in patients may book now.');
    } catch (error) {
      box.checked = !box.checked;
      alertHere(error.message);
    }
  });
  return el('fieldset', { class: 'policy' }, el('legend', {}, 'Who may book'),
    el('div', { class: 'field check' }, box, el('label', { for: box.id }, 'Anyone may book on the public booking page (not only signed-in patients)')));
}

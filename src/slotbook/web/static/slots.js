/** Pick a free time: the day (for calendars), the free slots as radio buttons, kept live. */

import { api } from './api.js';
import { DayFollower } from './live.js';
import { addDays, dayIn, elsewhere, longDay, span, visitorZone } from './time.js';
import { announce, el, fieldError, focusOn } from './ui.js';

/** Without a live feed for these slots, look again this often. */
const POLL_MS = 5000;
const LIVE_NOTES = {
  live: 'Live: times booked by others disappear as it happens.',
  connecting: 'Connecting to live updates…',
  refused: 'Checking for changes every few seconds.',
};

/** The visitor's day `day` as [midnight, next midnight), in the browser's (the visitor's) zone. */
function visitorDay(day) {
  const [y, m, d] = day.split('-').map(Number);
  return [new Date(y, m - 1, d), new Date(y, m - 1, d + 1)];
}

/** Free times of a calendar on one day of the visitor's zone. */
export function calendarSource(calendar, zone = visitorZone()) {
  return {
    byDay: true,
    calendarId: calendar.id,
    zone: calendar.timezone,
    firstDay: dayIn(calendar.now, zone),
    /** The calendar's local days that the visitor's `day` spans. */
    dates(day) {
      const [start, end] = visitorDay(day);
      const last = dayIn(new Date(end - 1), calendar.timezone);
      const dates = [dayIn(start, calendar.timezone)];
      while (dates.at(-1) < last) dates.push(addDays(dates.at(-1), 1));
      return dates;
    },
    async load(day) {
      const query = new URLSearchParams({ date: day, tz: zone });
      const data = await api('GET', `/api/v1/calendars/${calendar.id}/slots?${query}`);
      return {
        liveDates: data.calendar_dates,
        nextFree: data.next_free_date,
        slots: data.slots.map((s) => ({
          key: s.start_at, startAt: s.start_at, endAt: s.end_at, date: s.date, time: s.start_time,
        })),
      };
    },
  };
}

/** An event's time slots that still have places (`except` one slot id). */
export function eventSource(event, except = null) {
  return {
    byDay: false,
    calendarId: event.id,
    zone: event.timezone,
    firstDay: event.event_date,
    dates: () => [event.event_date],
    async load() {
      const slots = await api('GET', `/api/v1/events/${event.id}/slots`);
      return {
        liveDates: [event.event_date],
        nextFree: null,
        slots: slots
          .filter((s) => s.available_spots > 0 && s.id !== except)
          .map((s) => ({
            key: String(s.id), id: s.id, startAt: s.start_at, endAt: s.end_at,
            places: s.available_spots,
          })),
        // full slots, whose waitlist one may join
        full: slots
          .filter((s) => s.available_spots === 0 && s.id !== except)
          .map((s) => ({ key: String(s.id), id: s.id, startAt: s.start_at, endAt: s.end_at })),
      };
    },
  };
}

/** A person's label for a slot, in the visitor's zone. */
export const slotLabel = (slot) => span(slot.startAt, slot.endAt, visitorZone());
const placesText = (places) => `${places} ${places === 1 ? 'place' : 'places'} left`;

export class SlotPicker {
  /** `onSelect(slot | null)` hears every change of the chosen slot. */
  constructor(container, source, { onSelect = () => {} } = {}) {
    this.source = source;
    this.onSelect = onSelect;
    this.day = source.firstDay;
    this.slots = [];
    this.shownDay = null; // the day `slots` are of
    this.selected = null;
    this.claiming = null; // the key this visitor is booking now: its going is no news
    this.loads = 0;
    this.opened = false; // whether the first load has been shown
    this.nextFree = null;
    this.told = null; // the calendar days the server said this.day spans
    this.booked = null; // the key this visitor booked last: its changes are no news
    this.name = `slot-${Math.random().toString(36).slice(2)}`;
    this.follower = new DayFollower(source.calendarId, {
      onUpdate: () => this.refresh({ live: true }),
      onStatus: (state) => this.liveStatus(state),
    });
    this.legend = el('legend', {}, 'Free times');
    this.error = el('p', { class: 'field-error', id: `${this.name}-error` });
    this.list = el('div', { class: 'slots' });
    this.liveNote = el('p', { class: 'live-note', 'data-state': 'connecting' }, 'Connecting to live updates…');
    container.replaceChildren(
      ...(source.byDay ? [this.dayControls()] : []),
      el('fieldset', { class: 'slot-set' }, this.legend, this.error, this.list),
      this.liveNote,
    );
  }

  /** While no live feed reaches this page (down, or none for these slots), poll. */
  liveStatus(state) {
    this.liveNote.textContent = LIVE_NOTES[state];
    this.liveNote.dataset.state = state;
    if (state === 'live') {
      clearInterval(this.poller);
      this.poller = null;
    } else if (!this.poller) {
      this.poller = setInterval(() => this.refresh({ live: true }), POLL_MS);
    }
  }

  dayControls() {
    this.dayInput = el('input', {
      type: 'date', id: `${this.name}-day`, value: this.day, min: this.source.firstDay, required: true,
      onchange: () => this.dayInput.value && this.show(this.dayInput.value),
    });
    this.previous = el('button', { type: 'button', class: 'secondary', onclick: () => this.show(addDays(this.day, -1)) },
      el('span', { 'aria-hidden': 'true' }, '‹ '), 'Previous day');
    return el('div', { class: 'day-controls' },
      el('label', { for: this.dayInput.id }, 'Day'),
      this.dayInput,
      el('div', { class: 'day-steps' },
        this.previous,
        el('button', { type: 'button', class: 'secondary', onclick: () => this.show(addDays(this.day, 1)) },
          'Next day', el('span', { 'aria-hidden': 'true' }, ' ›'))));
  }

  /** Show another day (the visitor asked): its free times are announced. */
  show(day) {
    this.day = day < this.source.firstDay ? this.source.firstDay : day;
    if (this.selected) {
      this.selected = null;
      this.onSelect(null);
    }
    this.clearError();
    return this.refresh({ announceDay: true });
  }

  /** Reload the slots; `live`: because someone changed them, so say what went. */
  async refresh({ live = false, announceDay = false } = {}) {
    const load = ++this.loads;
    // Subscribe first: what is read after the subscriptions' first states misses nothing.
    const told = this.told?.day === this.day ? this.told.dates : [];
    const dates = [...new Set([...this.source.dates(this.day), ...told])];
    await this.follower.follow(dates);
    if (load !== this.loads) return;
    let result;
    try {
      result = await this.source.load(this.day);
    } catch (error) {
      // A failed live reload says nothing: the live note already tells the feed is down.
      if (!live && load === this.loads) announce(error.message, { urgent: true });
      return;
    }
    if (load !== this.loads) return; // a newer load is on its way
    // The server's word on which days to follow, should it differ from ours: kept, so
    // that the next refresh does not drop and reopen them.
    this.told = { day: this.day, dates: result.liveDates };
    this.follower.follow([...new Set([...dates, ...result.liveDates])], { late: true });
    this.nextFree = result.nextFree;
    if (!this.opened && !result.slots.length && result.nextFree) {
      // Opening on a day with nothing free: go to the next day that has something.
      this.opened = true;
      announce(`Nothing is free on ${longDay(this.day)}. Showing ${longDay(result.nextFree)}, the next day with free times.`);
      this.day = result.nextFree;
      return this.refresh();
    }
    this.opened = true;
    // What changed, but not what this visitor just booked: that is no news to them.
    const before = (this.shownDay === this.day ? this.slots : []).filter((s) => s.key !== this.booked);
    const gone = before.filter((s) => !result.slots.some((n) => n.key === s.key));
    const recounted = result.slots.filter((n) => before.some((s) => s.key === n.key && s.places !== n.places));
    this.render(result.slots);
    if (live && this.lost && this.lost.key !== this.claiming) {
      announce(`Sorry, ${slotLabel(this.lost)} has just been booked by someone else. Please choose another time.`, { urgent: true });
    } else if (live && (gone.length || recounted.length)) {
      const news = [];
      if (gone.length) news.push(`No longer free: ${gone.map(slotLabel).join(', ')}.`);
      for (const slot of recounted) news.push(`${slotLabel(slot)}: ${placesText(slot.places)}.`);
      announce(news.join(' '));
    } else if (announceDay) {
      const count = result.slots.length;
      announce(`${longDay(this.day)}: ${count ? `${count} free ${count === 1 ? 'time' : 'times'}` : 'no free times'}.`);
    }
  }

  render(slots) {
    const previous = this.selected;
    this.slots = slots;
    this.shownDay = this.day;
    this.selected = previous && slots.find((s) => s.key === previous.key) || null;
    this.lost = previous && !this.selected ? previous : null;
    if (this.lost) this.onSelect(null);
    const shown = JSON.stringify([this.day, this.nextFree, slots.map((s) => [s.key, s.places])]);
    if (shown === this.shown) return; // unchanged: leave the controls (and focus) alone
    this.shown = shown;
    if (this.dayInput) {
      this.dayInput.value = this.day;
      this.previous.setAttribute('aria-disabled', String(this.day <= this.source.firstDay));
    }
    const dayText = this.source.byDay ? ` on ${longDay(this.day)}` : '';
    this.legend.textContent = `Free times${dayText} (your time, ${visitorZone()})`;
    const focused = this.list.contains(document.activeElement) ? document.activeElement : null;
    this.list.replaceChildren(...(slots.length ? slots.map((slot) => this.option(slot)) : [this.empty(dayText)]));
    fieldError(this.error, this.radios(), this.error.textContent);
    if (focused) {
      // Keep a keyboard user's place: the same time, the first one left, or the news.
      const same = this.radios().find((input) => input.value === focused.value);
      focusOn(same ?? this.list.querySelector('input, button, .empty'));
    }
  }

  empty(dayText) {
    const next = this.nextFree && el('button', { type: 'button', class: 'secondary', onclick: () => this.show(this.nextFree) },
      `Show ${longDay(this.nextFree)}`);
    return el('div', { class: 'empty', tabindex: '-1' },
      el('p', {}, `No free times${dayText}.${next ? ' The next day with free times:' : ''}`), next);
  }

  option(slot) {
    const other = elsewhere(slot.startAt, slot.endAt, this.source.zone);
    const places = slot.places === undefined ? '' : placesText(slot.places);
    const detail = [other, places].filter(Boolean).join(' · ');
    const input = el('input', {
      type: 'radio', name: this.name, value: slot.key, checked: this.selected?.key === slot.key,
      onchange: () => {
        this.selected = slot;
        this.clearError();
        this.onSelect(slot);
      },
    });
    return el('label', { class: 'slot' }, input,
      el('span', { class: 'slot-time' }, slotLabel(slot)),
      detail ? el('span', { class: 'slot-detail' }, detail) : null);
  }

  radios() {
    return [...this.list.querySelectorAll('input')];
  }

  /** Say what is wrong beside the times, and put the keyboard there. */
  showError(text) {
    fieldError(this.error, this.radios(), text);
    const target = this.radios().find((input) => input.checked) ?? this.radios()[0];
    focusOn(target ?? this.error, { scroll: false });
    this.error.scrollIntoView({ block: 'center' });
  }

  clearError() {
    fieldError(this.error, this.radios(), '');
  }

  close() {
    this.loads += 1;
    clearInterval(this.poller);
    this.follower.close();
  }

  /** Forget the chosen slot (after booking it) and reload. */
  reset() {
    this.booked = this.selected?.key ?? null;
    this.selected = null;
    this.clearError();
    return this.refresh();
  }
}

/** The `/slot-booking` WebSocket, reconnecting when it drops. */

export function socketUrl(params = {}) {
  const url = new URL('/slot-booking', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  return url.href;
}

/** A policy close before any answer: the server will not serve this subscription. */
const REFUSED = 1008;

export class LiveSocket {
  /** `onMessage(msg)` gets every JSON message; `onStatus('live' | 'connecting' | 'refused')`. */
  constructor(url, { onMessage, onStatus = () => {} }) {
    this.url = url;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.delay = 1000;
    this.closed = false;
    this.connect();
  }

  connect() {
    this.onStatus('connecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    let answered = false;
    ws.addEventListener('open', () => {
      this.delay = 1000;
      this.onStatus('live');
    });
    ws.addEventListener('message', (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      answered ||= message.type !== 'error';
      this.onMessage(message);
    });
    ws.addEventListener('close', (event) => {
      if (this.closed || this.ws !== ws) return;
      if (event.code === REFUSED && !answered) {
        this.closed = true;
        this.onStatus('refused');
        return;
      }
      this.onStatus('connecting');
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 30000);
    });
  }

  send(message) {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.ws?.close();
  }
}

/** How long a new subscription may take to send its first state before a read goes ahead
without it (its first state then counts as news). */
const FIRST_STATE_MS = 1500;

/** Follow `slots_update`s of one calendar on a set of its local days.

Each subscription's first message is the state at the moment it was made: a read made
after it has arrived misses nothing, since every later change is pushed. So `follow`
resolves once each day has sent that first state (or cannot soon), and only later
messages (and the first after a reconnection) are news for `onUpdate(date, data)`. */
export class DayFollower {
  constructor(calendarId, { onUpdate, onStatus = () => {} }) {
    this.calendarId = calendarId;
    this.onUpdate = onUpdate;
    this.onStatus = onStatus;
    this.entries = new Map();
  }

  close() {
    this.follow([]);
  }

  /** Follow exactly `dates`. `late`: a read was made before subscribing, so a new
  day's first state is news too. */
  follow(dates, { late = false } = {}) {
    for (const [date, entry] of this.entries) {
      if (!dates.includes(date)) {
        clearTimeout(entry.timer);
        entry.socket.close();
        entry.settle();
        this.entries.delete(date);
      }
    }
    for (const date of dates) {
      if (!this.entries.has(date)) this.entries.set(date, this.open(date, late));
    }
    this.report();
    return Promise.all(dates.map((date) => this.entries.get(date).ready));
  }

  open(date, late) {
    const entry = { baseline: !late, state: 'connecting' };
    entry.ready = new Promise((resolve) => { entry.settle = resolve; });
    entry.timer = setTimeout(() => {
      entry.baseline = false;
      entry.settle();
    }, FIRST_STATE_MS);
    entry.socket = new LiveSocket(socketUrl({ calendar: this.calendarId, date }), {
      onMessage: (message) => {
        if (message.type !== 'slots_update') return;
        clearTimeout(entry.timer);
        if (entry.baseline) entry.baseline = false;
        else this.onUpdate(date, message.data);
        entry.settle();
      },
      onStatus: (state) => {
        entry.state = state;
        if (state === 'refused') entry.settle();
        this.report();
      },
    });
    return entry;
  }

  report() {
    const states = [...this.entries.values()].map((entry) => entry.state);
    if (!states.length) return;
    this.onStatus(states.includes('refused') ? 'refused'
      : states.every((s) => s === 'live') ? 'live' : 'connecting');
  }
}

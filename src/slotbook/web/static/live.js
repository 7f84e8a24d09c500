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

/** Follow `slots_update`s of one calendar on a set of its local days. */
export class DayFollower {
  constructor(calendarId, { onUpdate, onStatus = () => {} }) {
    this.calendarId = calendarId;
    this.onUpdate = onUpdate;
    this.onStatus = onStatus;
    this.sockets = new Map();
    this.states = new Map();
  }

  close() {
    this.follow([]);
  }

  follow(dates) {
    for (const [date, socket] of this.sockets) {
      if (!dates.includes(date)) {
        socket.close();
        this.sockets.delete(date);
        this.states.delete(date);
      }
    }
    for (const date of dates) {
      if (this.sockets.has(date)) continue;
      this.sockets.set(date, new LiveSocket(socketUrl({ calendar: this.calendarId, date }), {
        onMessage: (message) => {
          if (message.type === 'slots_update') this.onUpdate(date);
        },
        onStatus: (state) => {
          this.states.set(date, state);
          const states = [...this.states.values()];
          this.onStatus(states.includes('refused') ? 'refused'
            : states.every((s) => s === 'live') ? 'live' : 'connecting');
        },
      }));
    }
  }
}

/** The console's sign-in: the access token lives in this module's memory only (never in
storage or a cookie), so nothing sent to this server carries it unless a script puts it
in the Authorization header — no request another site makes can (no CSRF) — and a
reload or a closed tab signs out. */

import { api, ApiError } from './api.js';

let token = null;
let onSignedOut = () => {};

export const signedIn = () => token !== null;

/** `handler(reason)` runs when the server no longer takes the token (it expired). */
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

export async function signIn(email, password) {
  const answer = await api('POST', '/token', null, { form: { username: email, password } });
  token = answer.access_token;
}

export function signOut() {
  token = null;
}

/** A call to the JSON API as the signed-in user; a 401 signs out. */
export async function call(method, path, body) {
  if (!token) throw new ApiError(401, 'unauthorized', 'Sign in first.');
  try {
    return await api(method, path, body, { headers: { Authorization: `Bearer ${token}` } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      token = null;
      onSignedOut('Your sign-in has ended. Sign in again to go on.');
    }
    throw error;
  }
}

/** Follow a server-sent event stream (`GET path`) with the token: `onEvent(name, data)`
for each event, `onState('live'|'reconnecting')`; it reconnects (after a pause that
grows) until `stop()` is called. EventSource cannot send an Authorization header, hence
fetch. */
export function follow(path, { onEvent, onState = () => {} }) {
  let stopped = false;
  let controller = null;
  let pause = 500;

  async function once() {
    controller = new AbortController();
    const response = await fetch(path, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
      signal: controller.signal,
    });
    if (!response.ok) throw new ApiError(response.status, `http_${response.status}`, 'feed refused');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!name) continue;
        if (name === 'ready') {
          pause = 500;
          onState('live');
        }
        onEvent(name, data ? JSON.parse(data) : null);
      }
    }
  }

  (async () => {
    while (!stopped && token) {
      try {
        await once();
      } catch (error) {
        if (stopped) return;
        if (error instanceof ApiError && error.status === 401) {
          token = null;
          onSignedOut('Your sign-in has ended. Sign in again to go on.');
          return;
        }
      }
      if (stopped) return;
      onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 10000);
    }
  })();
  return { stop() { stopped = true; controller?.abort(); } };
}

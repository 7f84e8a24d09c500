/** #integrations: the calendar's webhooks (create, delete, recent deliveries), its
secret iCal feed URL (get a new one, revoke it), and the embed snippet. */

import { field, heading, showApiError } from './console-form.js';
import { alertHere, announce, el, focusOn } from './ui.js';

const TYPES = ['booking.created', 'booking.held', 'booking.pending', 'booking.confirmed', 'booking.approved',
  'booking.declined', 'booking.moved', 'booking.cancelled', 'booking.expired', 'series.created', 'series.cancelled'];

export async function render(container, { calendar, call }) {
  container.append(...heading('Integrations', calendar ? 'Tell other systems about bookings, subscribe in a calendar app, put the booking page on your site.' : null));
  if (!calendar) {
    container.append(el('p', {}, 'Pick a calendar first.'));
    return null;
  }
  container.append(await webhooks(calendar, call), feed(calendar, call), embed(calendar));
  return null;
}

async function webhooks(calendar, call) {
  const list = el('div', { id: 'webhooks' });
  const section = el('section', { 'aria-labelledby': 'webhooks-heading' },
    el('h2', { id: 'webhooks-heading' }, 'Webhooks'),
    el('p', { class: 'hint' }, 'Each change of a booking is sent, signed, to these URLs (Standard Webhooks).'), list);

  async function refresh() {
    let hooks;
    try {
      hooks = (await call('GET', '/api/v1/webhooks')).filter((h) => h.calendar_id === calendar.id || h.calendar_id === null);
    } catch (error) {
      list.replaceChildren(el('p', { class: 'field-error' }, error.message));
      return;
    }
    list.replaceChildren(hooks.length ? el('ul', { class: 'webhook-list' }, ...hooks.map((hook) => {
      const deliveries = el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': `Deliveries to ${hook.url}` });
      const show = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Recent deliveries to ${hook.url}` }, 'Recent deliveries');
      show.addEventListener('click', async () => {
        try {
          const attempts = await call('GET', `/api/v1/webhooks/${hook.id}/deliveries?limit=20`);
          deliveries.replaceChildren(attempts.length ? el('table', { class: 'deliveries' },
            el('caption', { class: 'hint' }, `Latest attempts to ${hook.url}`),
            el('thead', {}, el('tr', {}, ...['When', 'Event', 'Try', 'Answer', 'State'].map((h) => el('th', { scope: 'col' }, h)))),
            el('tbody', {}, ...attempts.map((a) => el('tr', {},
              el('td', {}, new Date(a.at).toLocaleString()), el('td', {}, a.type), el('td', {}, String(a.attempt)),
              el('td', {}, a.status_code ? String(a.status_code) : a.error ?? '—'), el('td', {}, a.delivery_status)))))
            : el('p', { class: 'empty' }, 'Nothing sent yet.'));
          announce(`${attempts.length} recent deliver${attempts.length === 1 ? 'y' : 'ies'} to ${hook.url}.`);
        } catch (error) {
          alertHere(error.message);
        }
      });
      const remove = el('button', { type: 'button', class: 'danger small', 'aria-label': `Delete the webhook to ${hook.url}` }, 'Delete');
      remove.addEventListener('click', async () => {
        try {
          await call('DELETE', `/api/v1/webhooks/${hook.id}`);
          announce(`Webhook to ${hook.url} deleted.`);
          await refresh();
          focusOn(document.getElementById('webhook-url'));
        } catch (error) {
          alertHere(error.message);
        }
      });
      return el('li', { class: 'webhook', 'data-webhook': String(hook.id) },
        el('strong', {}, hook.url), ` — ${hook.events.length === TYPES.length ? 'every event' : hook.events.join(', ')}`,
        hook.calendar_id === null ? ' (every calendar)' : '', hook.disabled ? ' — disabled after failing for a day' : '',
        el('div', { class: 'actions' }, show, remove), deliveries);
    })) : el('p', { class: 'empty' }, 'No webhooks yet.'));
  }

  const url = field('URL', el('input', { type: 'url', id: 'webhook-url', required: true, maxlength: '2048', placeholder: 'https://example.com/hooks/slotbook' }));
  const secret = el('div', { id: 'webhook-secret', 'aria-live': 'polite' });
  const form = el('form', { id: 'webhook-form', novalidate: true, 'aria-label': 'Add a webhook' },
    url.wrap, el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Add webhook')), secret);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let made;
    try {
      made = await call('POST', '/api/v1/webhooks', { url: url.input.value.trim(), calendar_id: calendar.id });
    } catch (error) {
      showApiError(error, () => url, [url]);
      return;
    }
    url.input.value = '';
    secret.replaceChildren(el('p', {}, 'Its signing secret, shown only now:'), el('code', { class: 'snippet', id: 'secret-value' }, made.secret));
    announce(`Webhook to ${made.url} added. Copy its secret now: it is not shown again.`);
    await refresh();
  });
  section.append(form);
  await refresh();
  return section;
}

function feed(calendar, call) {
  const shown = el('div', { id: 'feed-url', 'aria-live': 'polite' });
  const issue = el('button', { type: 'button', id: 'issue-feed' }, 'Get a new feed URL');
  const revoke = el('button', { type: 'button', class: 'danger', id: 'revoke-feed' }, 'Revoke the feed');
  issue.addEventListener('click', async () => {
    try {
      const { url } = await call('POST', `/api/v1/calendars/${calendar.id}/feed`);
      shown.replaceChildren(el('p', {}, 'Subscribe to this URL in a calendar app. Keep it secret: it shows every booking.'),
        el('code', { class: 'snippet' }, url));
      announce('A new feed URL is ready; any earlier one stopped working.');
    } catch (error) {
      alertHere(error.message);
    }
  });
  revoke.addEventListener('click', async () => {
    try {
      await call('DELETE', `/api/v1/calendars/${calendar.id}/feed`);
      shown.replaceChildren();
      announce('The feed is revoked: its URL no longer works.');
    } catch (error) {
      alertHere(error.message);
    }
  });
  return el('section', { 'aria-labelledby': 'feed-heading' },
    el('h2', { id: 'feed-heading' }, 'Calendar feed (iCal)'),
    el('p', { class: 'hint' }, 'Each new URL replaces the last one.'),
    el('div', { class: 'actions' }, issue, revoke), shown);
}

function embed(calendar) {
  const attribute = calendar.kind === 'event' ? `data-event="${calendar.id}"` : `data-calendar="${calendar.id}"`;
  const snippet = `<script src="${location.origin}/embed.js" ${attribute} async></script>`;
  const copy = el('button', { type: 'button', class: 'secondary', id: 'copy-embed' }, 'Copy the snippet');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(snippet);
      announce('Embed snippet copied.');
    } catch {
      alertHere('Copying was not allowed here: select the snippet and copy it yourself.');
    }
  });
  return el('section', { 'aria-labelledby': 'embed-heading' },
    el('h2', { id: 'embed-heading' }, 'Embed the booking page'),
    el('p', {}, 'Paste this where the booking page should appear on your site. It works only on sites whose origin the server lists in SLOTBOOK_EMBED_ORIGINS; browsers refuse it anywhere else.'),
    calendar.who_may_book === 'anyone' ? null : el('p', { class: 'hint' }, 'This calendar is for signed-in patients: open it to everyone (Hours) to embed it.'),
    el('pre', { class: 'snippet', id: 'embed-snippet', tabindex: '0', 'aria-label': 'Embed snippet' }, snippet),
    el('div', { class: 'actions' }, copy));
}

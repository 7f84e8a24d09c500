/* slotbook's embed: put the booking page of a calendar or an event on any page whose
origin the server lists in SLOTBOOK_EMBED_ORIGINS.

  <script src="https://book.example.com/embed.js" data-calendar="3" async></script>
  <script src="https://book.example.com/embed.js" data-event="5" async></script>

The page appears in an iframe where the script stands, as tall as its content (the page
reports its height). Browsers refuse it on any origin the server does not list. */
(() => {
  const script = document.currentScript;
  if (!script) return;
  const origin = new URL(script.src).origin;
  const { calendar, event } = script.dataset;
  const path = event ? `/book/event/${encodeURIComponent(event)}` : `/book/calendar/${encodeURIComponent(calendar ?? '')}`;
  const frame = document.createElement('iframe');
  frame.src = `${origin}${path}`;
  frame.title = script.dataset.title || 'Book a time';
  frame.style.cssText = 'display:block;width:100%;max-width:48rem;height:40rem;border:0;';
  frame.setAttribute('loading', 'lazy');
  frame.className = 'slotbook-embed';
  script.after(frame);
  window.addEventListener('message', (message) => {
    if (message.origin !== origin || message.source !== frame.contentWindow) return;
    const height = message.data?.slotbook_height;
    if (Number.isFinite(height) && height > 0) frame.style.height = `${Math.ceil(height)}px`;
  });
})();

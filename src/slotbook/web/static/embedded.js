/** In an iframe (the embed, /embed.js): tell the page around how tall this one is, each
time that changes, so the frame fits its content. Only a height is sent. */

export function reportHeight() {
  if (window.parent === window) return;
  const send = () => window.parent.postMessage(
    { slotbook_height: document.documentElement.scrollHeight }, '*');
  new ResizeObserver(send).observe(document.body);
  send();
}

import { heading } from './console-form.js';

export async function render(container) {
  container.append(...heading('Events', 'Coming soon.'));
  return null;
}

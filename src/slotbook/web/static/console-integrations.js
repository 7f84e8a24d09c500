import { heading } from './console-form.js';

export async function render(container) {
  container.append(...heading('Integrations', 'Coming soon.'));
  return null;
}

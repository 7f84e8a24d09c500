/** Pieces the console's screens share: a heading, labelled fields, errors from the API
shown beside the field they name. */

import { ApiError } from './api.js';
import { alertHere, el, fieldError, showError } from './ui.js';

let ids = 0;
export const uid = (prefix) => `${prefix}-${++ids}`;

export function heading(text, lead) {
  return [
    el('h1', { id: 'screen-heading', tabindex: '-1' }, text),
    lead ? el('p', { class: 'lead' }, lead) : null,
  ];
}

/** A labelled control with room for its error: `{ wrap, input, error }`. */
export function field(label, input, { hint } = {}) {
  input.id ||= uid('f');
  const error = el('p', { id: uid('err'), class: 'field-error' });
  const hintNode = hint ? el('p', { id: uid('hint'), class: 'hint' }, hint) : null;
  if (hintNode) input.setAttribute('aria-describedby', hintNode.id);
  const wrap = el('div', { class: 'field' }, el('label', { for: input.id }, label), input, hintNode, error);
  return { wrap, input, error };
}

/** Show an API error: beside the fields it names (`fieldFor(loc)` finds them), or as an
alert; focus goes to the first field in error, or to the alert. */
export function showApiError(error, fieldFor = () => null, allFields = []) {
  for (const f of allFields) fieldError(f.error, [f.input], '');
  if (!(error instanceof ApiError)) throw error;
  const located = [];
  for (const problem of error.problems ?? []) {
    const found = fieldFor(problem.loc ?? []);
    if (found) {
      fieldError(found.error, [found.input], problem.msg);
      located.push(found);
    }
  }
  if (located.length) {
    alertHere(`Not saved: ${error.message}`);
    showError(located[0].input, located[0].error);
  } else {
    alertHere(error.message);
  }
}

/** Rows of CSV text, quoted where needed. */
export function csv(rows) {
  const cell = (v) => {
    const text = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

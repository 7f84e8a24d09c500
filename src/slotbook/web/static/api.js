/** JSON over fetch; a non-2xx answer becomes an ApiError carrying the server's message. */

export class ApiError extends Error {
  /** `fields`: the request fields the server found wrong (name -> its words). */
  constructor(status, code, message, fields = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

function fieldsOf(body) {
  const fields = {};
  for (const error of Array.isArray(body?.errors) ? body.errors : []) {
    const name = Array.isArray(error.loc) ? error.loc.at(-1) : null;
    if (typeof name === 'string') fields[name] = error.msg;
  }
  return fields;
}

function messageOf(body) {
  const text = body && (body.detail ?? body.error ?? body.message);
  return typeof text === 'string' ? text : null;
}

export async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body ? { 'Content-Type': 'application/json', Accept: 'application/json' } : { Accept: 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(
      response.status,
      data?.code ?? `http_${response.status}`,
      messageOf(data) ?? `The server answered ${response.status}.`,
      fieldsOf(data),
    );
  }
  return data;
}

/** Whether an error means the chosen time or place was taken by someone else first. */
export const isTaken = (error) =>
  error instanceof ApiError && (error.code === 'slot_taken' || error.code === 'slot_full');

/** JSON over fetch; a non-2xx answer becomes an ApiError carrying the server's message. */

export class ApiError extends Error {
  /** `fields`: the request fields the server found wrong (name -> its words). */
  constructor(status, code, message, fields = {}, problems = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
    /** each `{loc, msg}` the server listed (`loc`: where in the request) */
    this.problems = problems;
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

/** `options.headers` are added (the console's Authorization); `options.form` is sent
as an HTML form instead of `body` as JSON. */
export async function api(method, path, body, { headers = {}, form = null } = {}) {
  let response;
  const type = form ? 'application/x-www-form-urlencoded' : body ? 'application/json' : null;
  try {
    response = await fetch(path, {
      method,
      headers: { Accept: 'application/json', ...(type ? { 'Content-Type': type } : {}), ...headers },
      body: form ? new URLSearchParams(form) : body ? JSON.stringify(body) : undefined,
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
      Array.isArray(data?.errors) ? data.errors : [],
    );
  }
  return data;
}

/** Whether an error means the chosen time or place was taken by someone else first. */
export const isTaken = (error) =>
  error instanceof ApiError && (error.code === 'slot_taken' || error.code === 'slot_full');

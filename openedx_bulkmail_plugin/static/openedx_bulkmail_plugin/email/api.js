/**
 * The course's REST API, called with the session cookie and the CSRF token.
 */

/** A refusal from the API; ``fields`` maps a field name to its messages. */
export class ApiError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.fields = body && typeof body === 'object' && !Array.isArray(body) ? body : {};
  }
}

/** Calls under ``root`` (the course's API URL, ending with a slash). */
export function createApi(root, csrfToken) {
  async function request(method, path, body, {keepalive = false} = {}) {
    const headers = {Accept: 'application/json'};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET') headers['X-CSRFToken'] = csrfToken;
    const response = await fetch(root + path, {
      method,
      headers,
      credentials: 'same-origin',
      keepalive,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (error) {
      data = null;
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  return {
    url: (path) => root + path,
    get: (path) => request('GET', path),
    post: (path, body = {}, options = {}) => request('POST', path, body, options),
    /** ``options.keepalive``: the request outlives the page (a last save as the tab closes). */
    patch: (path, body, options = {}) => request('PATCH', path, body, options),
    remove: (path) => request('DELETE', path),
  };
}

/** Every message in a DRF error value, however deeply it is nested. */
export function messagesOf(value) {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(messagesOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(messagesOf);
  return [];
}

/** ``targets=a&targets=b`` style query string of repeated ``name`` values. */
export function repeated(name, values) {
  const query = new URLSearchParams();
  values.forEach((value) => query.append(name, value));
  return query.toString();
}

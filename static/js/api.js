/* JSON requests to the app's own API with the session cookie and the CSRF token. */

const csrfToken = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

export class ApiError extends Error {
  /** `data` is the error body: {detail, code} and, on a 400, the fields' messages. */
  constructor(message, status, data) {
    super(message);
    this.status = status;
    this.code = data && data.code;
    this.data = data || {};
  }
}

export async function api(method, url, body) {
  const options = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
  };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const res = await fetch(url, options);
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError((data && data.detail) || `Request failed (${res.status})`, res.status, data);
  return data;
}

/** The items of a paginated ({results}) or plain list answer. */
export function resultsOf(data) {
  return Array.isArray(data) ? data : (data && data.results) || [];
}

/** A URL the page handed over with an "{id}" in it, for one object. */
export function urlFor(template, id) {
  return template.replace("{id}", encodeURIComponent(String(id)));
}

/** A URL with query parameters added. */
export function withQuery(url, params) {
  const full = new URL(url, window.location.origin);
  Object.entries(params).forEach(([key, value]) => full.searchParams.set(key, String(value)));
  return full.pathname + full.search;
}

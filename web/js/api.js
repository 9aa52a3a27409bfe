// The REST API of hearth-call (docs/api.md). Every request sends the bearer token and unwraps the
// {success, message, data} envelope; a failure throws ApiError with the HTTP status and the server's message.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

async function unwrap(response) {
  const body = await response.json().catch(() => null);
  if (!response.ok || !body?.success) throw new ApiError(response.status, body?.message ?? `HTTP ${response.status}`);
  return body.data;
}

async function send(method, url, { token, json } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  return unwrap(response);
}

export class Api {
  constructor(token, base = '/api/video-call') {
    this.token = token;
    this.base = base;
  }

  #call(method, path, json) {
    return send(method, this.base + path, { token: this.token, json });
  }

  /** POST /initiate: {sessionType, participants, callSettings?, metadata?, therapySessionId?} → {sessionId, iceServers, session, ...} */
  initiate(request) {
    return this.#call('POST', '/initiate', request);
  }

  /** POST /join/:id: may I join? → {participants, callSettings, iceServers} (409 full, 410 ended, 403 not invited) */
  join(sessionId) {
    return this.#call('POST', `/join/${encodeURIComponent(sessionId)}`);
  }

  /** GET /session/:id → {session} */
  session(sessionId) {
    return this.#call('GET', `/session/${encodeURIComponent(sessionId)}`);
  }

  /** POST /session/:id/end (the initiator, or either party of a one-to-one call) */
  end(sessionId) {
    return this.#call('POST', `/session/${encodeURIComponent(sessionId)}/end`);
  }

  /** GET /session/:id/chat → {messages (oldest first), hasMore}: the `limit` messages before seq `before` (default: the latest) */
  chat(sessionId, { before, limit = 50 } = {}) {
    const query = new URLSearchParams({ limit, ...(before ? { before } : {}) });
    return this.#call('GET', `/session/${encodeURIComponent(sessionId)}/chat?${query}`);
  }

  /** GET /history → {sessions, pagination}, newest first */
  history({ page = 1, limit = 20, status } = {}) {
    const query = new URLSearchParams({ page, limit, ...(status ? { status } : {}) });
    return this.#call('GET', `/history?${query}`);
  }
}

// The development-only token endpoint: absent (404) unless the server runs with HEARTH_ENV=development.
const DEV_TOKEN_URL = '/api/dev/token';

/** True when the server offers demo tokens (the endpoint exists: GET is answered 405, not 404). */
export async function devTokensAvailable() {
  const response = await fetch(DEV_TOKEN_URL).catch(() => null);
  return response?.status === 405;
}

/** A 24-hour token for any user id → {token, userId, name}. */
export function devToken(userId, name) {
  return send('POST', DEV_TOKEN_URL, { json: { userId, name } });
}

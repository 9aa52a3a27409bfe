// What to tell the user when joining a call fails, whether the REST API (HTTP status) or the socket (error code)
// said no.
import { ApiError } from './api.js';
import { SignalingError } from './signaling.js';

const CODE_BY_STATUS = { 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 409: 'session_full', 410: 'session_ended', 429: 'rate_limited' };

const JOIN_MESSAGES = {
  session_full: 'This call is full: it has as many people as it allows.',
  session_ended: 'This call has already ended.',
  forbidden: 'You are not invited to this call.',
  not_found: 'This call does not exist.',
  unauthenticated: 'Your sign-in is no longer valid. Sign in again.',
  rate_limited: 'Too many requests. Wait a moment and try again.',
};

// A forbidden join that is not about the invitation: the server's own sentence says why (docs/call-controls.md).
const FORBIDDEN_REASONS = new Map([
  ['You were removed from this call', 'You were removed from this call.'],
  ['The call is locked', 'The call is locked: nobody new can join.'],
]);

function codeOf(err) {
  if (err instanceof SignalingError) return err.code;
  if (err instanceof ApiError) return CODE_BY_STATUS[err.status];
  return undefined;
}

/** A sentence about a failed join (REST /join or the socket's join_call_session). */
export function joinErrorMessage(err) {
  const code = codeOf(err);
  if (code === 'forbidden' && FORBIDDEN_REASONS.has(err.message)) return FORBIDDEN_REASONS.get(err.message);
  return JOIN_MESSAGES[codeOf(err)] ?? `Could not join the call: ${err.message}`;
}

/** True when retrying cannot help (the call is over, full, or not ours). */
export function isFinal(err) {
  return ['session_full', 'session_ended', 'forbidden', 'not_found', 'unauthenticated'].includes(codeOf(err));
}

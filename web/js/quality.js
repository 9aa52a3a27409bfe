// Call quality from our side: the call_quality_report we send the server every stats interval (docs/protocol.md),
// one link per remote participant's RTCPeerConnection, and how long our join took to get media flowing. The server
// scores everyone from these reports and answers with connection_quality_changed and quality_bottleneck_changed.
// Pure functions, plus the small clock of the establishment time.

export const QUALITY_LEVELS = ['excellent', 'good', 'fair', 'poor', 'lost'];
export const MAX_LINKS = 32; // the server's limit per report
const MAX_MS = 60_000; // the server's bound on rttMs and jitterMs
const MAX_ESTABLISHED_MS = 600_000; // and on connectionEstablishedMs: a longer wait (alone in the call) is left out
const CANDIDATE_TYPES = new Set(['host', 'srflx', 'prflx', 'relay']);

/**
 * The report's link for one remote participant from our latest sample of their connection (stats.js), or null
 * when there is nothing to say yet: the server needs a round-trip time and a loss figure. Jitter is of their audio;
 * without audio from them it is 0 (nothing to add to the delay). Every number is finite and within the server's
 * bounds; optional figures that are not known are left out.
 */
export function reportLink(socketId, sample) {
  if (!socketId || !sample) return null;
  const link = { socketId };
  put(link, 'rttMs', sample.rttMs, MAX_MS);
  put(link, 'jitterMs', sample.jitterMs ?? 0, MAX_MS);
  put(link, 'packetLossPct', sample.lossPercent, 100);
  if (link.rttMs === undefined || link.packetLossPct === undefined) return null;
  put(link, 'inboundKbps', sample.kbps);
  put(link, 'outboundKbps', sample.outboundKbps);
  put(link, 'framesPerSecond', sample.framesPerSecond);
  put(link, 'framesDropped', sample.framesDroppedInInterval);
  if (CANDIDATE_TYPES.has(sample.localCandidateType)) link.localCandidateType = sample.localCandidateType;
  if (CANDIDATE_TYPES.has(sample.remoteCandidateType)) link.remoteCandidateType = sample.remoteCandidateType;
  return link;
}

/**
 * The call_quality_report payload, or null when no link has anything to say (the report is skipped then).
 * links: [{socketId, sample}]; establishedMs: see EstablishmentClock, or undefined.
 */
export function qualityReport(sessionId, links, establishedMs) {
  const out = links.map(({ socketId, sample }) => reportLink(socketId, sample)).filter(Boolean).slice(0, MAX_LINKS);
  if (out.length === 0) return null;
  const report = { sessionId };
  if (establishedMs <= MAX_ESTABLISHED_MS) put(report, 'connectionEstablishedMs', establishedMs);
  report.links = out;
  return report;
}

/**
 * The time from our join_call_session to the first RTCPeerConnection reaching 'connected', per join: started()
 * when we send the join, connected() whenever a connection is up (the first call after a start counts).
 */
export class EstablishmentClock {
  constructor(now = () => performance.now()) {
    this.now = now;
    this.startedAt = undefined;
    this.ms = undefined; // known once a connection came up after the latest join
  }

  started() {
    this.startedAt = this.now();
    this.ms = undefined;
  }

  connected() {
    if (this.startedAt === undefined || this.ms !== undefined) return;
    this.ms = Math.round(this.now() - this.startedAt);
  }
}

/** "Connection: good" and the like, for labels. */
export function levelLabel(level) {
  return QUALITY_LEVELS.includes(level) ? `Connection ${level}` : 'Connection quality unknown';
}

// Sets obj[name] = value rounded to 0.1, when value is a finite number >= 0; values above `max` become `max`.
function put(obj, name, value, max = Number.MAX_SAFE_INTEGER) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return;
  obj[name] = Math.round(Math.min(max, value) * 10) / 10;
}

// A week of calls, concurrency peaks and usage counts written straight into a stopped server's SQLite database, for
// the exact figures of tests/integration/analytics.test.mjs. The week starts on the Monday (00:00 UTC) at least two
// weeks before `now`, so every call ended long ago and the usage recorder records them all at its first tick.
//
// The calls (day 0 = Monday; times UTC; "joined" = members who ever joined, with joinedAt):
//   c1  Tue 09:10:00.000  one-to-one  900 s   ended_by_user  2 joined  screen shared        MOS 4.25 (excellent)
//   c2  Tue 09:40:00.000  group      1800 s   all_left       3 joined  video turned off     MOS 3.75 (good), relayed
//   c3  Tue 14:05:30.500  one-to-one  -        missed         1 joined
//   c4  Tue 14:30:00.000  therapy    3600 s   timeout        2 joined  audio only (no video) MOS 2.5 (poor)
//   c5  Wed 00:00:00.000  group       300 s   ended_by_user  3 joined  screen + video off   MOS 1.25 (lost), relayed
//   c6  Wed 23:59:59.999  one-to-one  -        declined       1 joined
//   c7  Fri 12:30:00.000  group        45 s   all_left       2 joined  a summary without MOS (establishment only)
//   c8  Fri 12:45:00.000  one-to-one  -        ended_by_user  1 joined  screen shared while waiting (not started)
//   c9  the Sunday before, 23:59:59.999  one-to-one  60 s  ended_by_user  2 joined
//   c10 the Monday after, 00:00:00.000   group      600 s  all_left       2 joined
//   c11 Thu 10:00:00.000  group, still waiting (its ring deadline far away), nobody joined: ongoing
// Establishment (the slowest participant's): client c1 1200, c2 2000, c7 3000 ms; server c1 500, c2 700, c4 250 ms.
import assert from 'node:assert/strict';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FAR_DEADLINE = Date.UTC(2100, 0, 1);

function participant(userId, samples, mosMin, mosMean, worstLossPct, client, server, candidateTypes = [], relayed = false) {
  return { userId, samples, mosMin, mosMean, worstLossPct, establishmentMs: { client, server }, candidateTypes, relayed };
}

/** {weekStart, calls, peaks, usage}: the seed for a server started at `now` (ms). */
export function seedCalls(now) {
  const today = Math.floor(now / DAY) * DAY;
  const monday = today - ((Math.floor(today / DAY) % 7 + 3) % 7) * DAY;
  const weekStart = monday - 14 * DAY;
  const at = (day, h, m = 0, s = 0, ms = 0) => weekStart + day * DAY + h * HOUR + m * 60_000 + s * 1000 + ms;
  const sec = 1000;
  let n = 0;
  const call = (c) => {
    n += 1;
    const joined = c.joined ?? [];
    return {
      id: `call_${c.created}_seed${String(n).padStart(5, '0')}`,
      status: 'ended',
      usage: { screenShared: false, videoTurnedOff: false },
      video: true,
      ...c,
      joined,
      duration: c.start === undefined ? 0 : Math.round((c.end - c.start) / 1000),
    };
  };
  const calls = [
    call({
      type: 'one-to-one', initiator: 'alice', invitees: ['bob'], created: at(1, 9, 10), start: at(1, 9, 10, 20),
      end: at(1, 9, 25, 20), endReason: 'ended_by_user', endedBy: 'alice', joined: ['alice', 'bob'],
      usage: { screenShared: true, videoTurnedOff: false },
      quality: [participant('alice', 10, 4.0, 4.5, 0.5, 800, 300, ['host']),
        participant('bob', 8, 3.5, 4.0, 1, 1200, 500, ['host', 'srflx'])],
    }),
    call({
      type: 'group', initiator: 'alice', invitees: ['bob', 'carol', 'dan'], created: at(1, 9, 40), start: at(1, 9, 41),
      end: at(1, 10, 11), endReason: 'all_left', joined: ['alice', 'bob', 'carol'],
      usage: { screenShared: false, videoTurnedOff: true },
      quality: [participant('alice', 6, 3.5, 3.75, 2, 1500, 400, ['srflx']),
        participant('bob', 6, 3.25, 3.625, 2.5, 2000, 700, ['srflx']),
        participant('carol', 6, 3.5, 3.875, 1, 900, 400, ['relay', 'srflx'], true)],
    }),
    call({
      type: 'one-to-one', initiator: 'bob', invitees: ['carol'], created: at(1, 14, 5, 30, 500),
      end: at(1, 14, 6, 30, 500), endReason: 'missed', joined: ['bob'],
    }),
    call({
      type: 'therapy', initiator: 'tara', invitees: ['pat'], therapy: 'therapy-seed-1', created: at(1, 14, 30),
      start: at(1, 14, 31), end: at(1, 15, 31), endReason: 'timeout', joined: ['tara', 'pat'], video: false,
      quality: [participant('tara', 4, 2.25, 2.5, 8, null, null), participant('pat', 4, 2.0, 2.5, 9, null, 250)],
    }),
    call({
      type: 'group', initiator: 'erin', invitees: ['frank', 'gina'], created: at(2, 0), start: at(2, 0, 0, 30),
      end: at(2, 0, 5, 30), endReason: 'ended_by_user', endedBy: 'erin', joined: ['erin', 'frank', 'gina'],
      usage: { screenShared: true, videoTurnedOff: true },
      quality: [participant('erin', 5, 1.0, 1.25, 40, null, null),
        participant('frank', 0, 0, 0, 0, null, null, ['relay'], true), participant('gina', 0, 0, 0, 0, null, null)],
    }),
    call({
      type: 'one-to-one', initiator: 'hank', invitees: ['ivy'], created: at(2, 23, 59, 59, 999), end: at(3, 0, 0, 10),
      endReason: 'declined', endedBy: 'ivy', joined: ['hank'],
    }),
    call({
      type: 'group', initiator: 'jack', invitees: ['kim'], created: at(4, 12, 30), start: at(4, 12, 31),
      end: at(4, 12, 31, 45), endReason: 'all_left', joined: ['jack', 'kim'],
      quality: [participant('jack', 0, 0, 0, 0, 2500, null), participant('kim', 0, 0, 0, 0, 3000, null)],
    }),
    call({
      type: 'one-to-one', initiator: 'lee', invitees: ['max'], created: at(4, 12, 45), end: at(4, 12, 45, 5),
      endReason: 'ended_by_user', endedBy: 'lee', joined: ['lee'], usage: { screenShared: true, videoTurnedOff: false },
    }),
    call({
      type: 'one-to-one', initiator: 'nia', invitees: ['oz'], created: weekStart - 1, start: weekStart + 5 * sec,
      end: weekStart + 65 * sec, endReason: 'ended_by_user', endedBy: 'oz', joined: ['nia', 'oz'],
    }),
    call({
      type: 'group', initiator: 'nia', invitees: ['oz', 'pam'], created: weekStart + 7 * DAY,
      start: weekStart + 7 * DAY + 10 * sec, end: weekStart + 7 * DAY + 610 * sec, endReason: 'all_left',
      joined: ['nia', 'pam'],
    }),
    call({ type: 'group', initiator: 'uma', invitees: ['vic', 'wes'], created: at(3, 10), status: 'waiting' }),
  ];
  assert.deepEqual(calls.filter((c) => c.start !== undefined).map((c) => c.duration), [900, 1800, 3600, 300, 45, 60, 600]);

  const peaks = [
    { hour: weekStart - 6 * DAY + 9 * HOUR, calls: 7, participants: 20 }, // the Tuesday before
    { hour: at(0, 0), calls: 1, participants: 2 },
    { hour: at(1, 9), calls: 2, participants: 5 },
    { hour: at(1, 10), calls: 1, participants: 3 },
    { hour: at(1, 14), calls: 1, participants: 2 },
    { hour: at(2, 0), calls: 1, participants: 3 },
    { hour: at(4, 12), calls: 2, participants: 3 },
    { hour: at(4, 13), calls: 1, participants: 4 },
    { hour: weekStart + 7 * DAY, calls: 3, participants: 6 }, // the Monday after
  ];
  const usage = [
    { hour: weekStart - HOUR, restRequests: 9, signalingEvents: 0, restErrors: { 500: 9 }, signalingErrors: {} },
    { hour: at(1, 9), restRequests: 100, signalingEvents: 40, restErrors: { 404: 3, 400: 2 }, signalingErrors: { forbidden: 1 } },
    { hour: at(4, 12), restRequests: 50, signalingEvents: 10, restErrors: { 404: 1, 503: 4 }, signalingErrors: { not_found: 2 } },
  ];
  return { weekStart, calls, peaks, usage };
}

const q = (v) => (v === null || v === undefined ? 'NULL' : typeof v === 'number' ? String(v) : `'${String(v).replaceAll("'", "''")}'`);

/** The session document of a seeded call, in the shape of `template` (a document the server stored). */
function documentOf(c, template) {
  const members = [c.initiator, ...c.invitees];
  const iso = (ms) => (ms === undefined ? null : new Date(ms).toISOString());
  const [shape] = template.participants;
  return {
    ...template,
    sessionId: c.id,
    sessionType: c.type,
    initiatorId: c.initiator,
    invitedUsers: c.invitees,
    participants: members.map((userId, i) => {
      const joined = c.joined.includes(userId);
      return {
        ...shape,
        userId,
        name: userId,
        socketId: joined ? `seed-socket-${i}` : null,
        peerId: joined ? `seed-peer-${i}` : null,
        joinedAt: joined ? iso(c.start ?? c.created + 1000) : null,
        leftAt: joined && c.status === 'ended' ? iso(c.end) : null,
        isActive: false,
        hasVideo: c.video,
        hasAudio: true,
        isScreenSharing: false,
      };
    }),
    maxParticipants: c.type === 'one-to-one' ? 2 : 8,
    status: c.status,
    createdAt: iso(c.created),
    startTime: iso(c.start),
    endTime: iso(c.end),
    duration: c.duration,
    endReason: c.endReason ?? null,
    endedBy: c.endedBy ?? null,
    callSettings: { ...template.callSettings, isVideoEnabled: c.video },
    usage: c.usage,
    therapySessionId: c.therapy ?? null,
  };
}

/**
 * The SQL (for the sqlite3 shell) that replaces the template session with the seed: sessions and members as the
 * server writes them, ended ones marked for the usage recorder (unrecorded_end = their end, as the update that ends a
 * session marks it: migration v3), quality summaries in their stored shape, and the peaks and counts the recorder
 * would have written.
 */
export function seedSql(seed, template, templateId) {
  const lines = ['BEGIN;',
    `DELETE FROM call_members WHERE session_id = ${q(templateId)};`,
    `DELETE FROM call_sessions WHERE session_id = ${q(templateId)};`];
  for (const c of seed.calls) {
    const ended = c.status === 'ended';
    lines.push('INSERT INTO call_sessions (session_id, session_type, initiator_id, status, created_at, deadline_at, end_reason, '
      + 'document, unrecorded_end, active_participants) VALUES ('
      + [c.id, c.type, c.initiator, c.status, c.created, ended ? c.end : FAR_DEADLINE, c.endReason ?? null,
        JSON.stringify(documentOf(c, template)), ended ? c.end : null, 0].map(q).join(', ') + ');');
    for (const [userId, role] of [[c.initiator, 'initiator'], ...c.invitees.map((u) => [u, 'invitee'])]) {
      lines.push(`INSERT INTO call_members (user_id, created_at, session_id, role) VALUES (${[userId, c.created, c.id, role].map(q).join(', ')});`);
    }
    if (c.quality) {
      lines.push(`INSERT INTO call_quality (session_id, summary) VALUES (${q(c.id)}, ${q(JSON.stringify({ participants: c.quality }))});`);
    }
  }
  for (const p of seed.peaks) {
    lines.push(`INSERT INTO concurrency_peaks (hour_start, calls, participants) VALUES (${p.hour}, ${p.calls}, ${p.participants});`);
  }
  for (const u of seed.usage) {
    lines.push(`INSERT INTO usage_hourly (hour_start, rest_requests, signaling_events) VALUES (${u.hour}, ${u.restRequests}, ${u.signalingEvents});`);
    for (const [source, codes] of [['rest', u.restErrors], ['signaling', u.signalingErrors]]) {
      for (const [code, n] of Object.entries(codes)) {
        lines.push(`INSERT INTO usage_errors (hour_start, source, code, errors) VALUES (${u.hour}, ${q(source)}, ${q(code)}, ${n});`);
      }
    }
  }
  lines.push('COMMIT;');
  return `${lines.join('\n')}\n`;
}

// The web client's call_quality_report (web/js/quality.js) from its getStats() samples (web/js/stats.js), without
// a browser: figures over the interval, the server's bounds, links with nothing to say left out, the establishment
// time per join.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { EstablishmentClock, MAX_LINKS, qualityReport, reportLink } from '../../web/js/quality.js';
import { sampleFrom } from '../../web/js/stats.js';

/** An RTCStatsReport-like Map of one connection: a selected pair, inbound audio and video, outbound video. */
function statsReport({ rtt = 0.042, audio = {}, video = {}, out = {}, remote = {} } = {}) {
  const entries = [
    { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
    { id: 'P', type: 'candidate-pair', currentRoundTripTime: rtt, localCandidateId: 'L', remoteCandidateId: 'R' },
    { id: 'L', type: 'local-candidate', candidateType: 'host' },
    { id: 'R', type: 'remote-candidate', candidateType: 'prflx' },
    { id: 'IA', type: 'inbound-rtp', kind: 'audio', packetsReceived: 0, packetsLost: 0, bytesReceived: 0, jitter: 0.012, ...audio },
    { id: 'IV', type: 'inbound-rtp', kind: 'video', packetsReceived: 0, packetsLost: 0, bytesReceived: 0, framesDecoded: 0, framesDropped: 0, framesPerSecond: 24, ...video },
    { id: 'OV', type: 'outbound-rtp', kind: 'video', packetsSent: 0, bytesSent: 0, ...out },
    { id: 'RV', type: 'remote-inbound-rtp', kind: 'video', packetsLost: 0, ...remote },
  ];
  return new Map(entries.map((e) => [e.id, e]));
}

describe('a sample over an interval', () => {
  test('loss, bitrates and dropped frames since the previous sample; round trip and candidates of the selected pair', () => {
    const first = sampleFrom(statsReport(), 1000);
    assert.equal(first.lossPercent, undefined, 'no interval yet');
    const second = sampleFrom(statsReport({
      audio: { packetsReceived: 100, packetsLost: 0, bytesReceived: 5000 },
      video: { packetsReceived: 800, packetsLost: 100, bytesReceived: 245_000, framesDropped: 3 },
      out: { packetsSent: 1000, bytesSent: 500_000 },
      remote: { packetsLost: 250 },
    }), 3000, first);
    assert.equal(second.rttMs, 42);
    assert.equal(second.jitterMs, 12);
    assert.equal(second.lossPercent, 10); // 100 lost of 1000
    assert.equal(second.kbps, 1000); // 250 kB in 2 s
    assert.equal(second.outboundKbps, 2000);
    assert.equal(second.outboundLossPct, 25, 'what the other side reports lost of ours');
    assert.equal(second.framesDroppedInInterval, 3);
    assert.equal(second.framesPerSecond, 24);
    assert.deepEqual([second.localCandidateType, second.remoteCandidateType], ['host', 'prflx']);
  });

  test('nothing received over the interval: all lost if something came before, else not known', () => {
    const first = sampleFrom(statsReport(), 0);
    assert.equal(sampleFrom(statsReport(), 2000, first).lossPercent, undefined, 'they send nothing');
    const flowing = sampleFrom(statsReport({ audio: { packetsReceived: 50 } }), 0);
    assert.equal(sampleFrom(statsReport({ audio: { packetsReceived: 50 } }), 2000, flowing).lossPercent, 100, 'the path is down');
  });
});

describe('the report', () => {
  const sample = { rttMs: 42, jitterMs: 3.14159, lossPercent: 1.25, kbps: 812.34, outboundKbps: 900, framesPerSecond: 24, framesDroppedInInterval: 0, localCandidateType: 'host', remoteCandidateType: 'srflx' };

  test('one link per connection, numbers rounded to a tenth', () => {
    assert.deepEqual(qualityReport('s1', [{ socketId: 'a', sample }], 1234), {
      sessionId: 's1',
      connectionEstablishedMs: 1234,
      links: [{ socketId: 'a', rttMs: 42, jitterMs: 3.1, packetLossPct: 1.3, inboundKbps: 812.3, outboundKbps: 900, framesPerSecond: 24, framesDropped: 0, localCandidateType: 'host', remoteCandidateType: 'srflx' }],
    });
  });

  test('no establishment time until known; jitter 0 without audio; optional figures left out when unknown', () => {
    const report = qualityReport('s1', [{ socketId: 'a', sample: { rttMs: 10, lossPercent: 0 } }]);
    assert.deepEqual(report, { sessionId: 's1', links: [{ socketId: 'a', rttMs: 10, jitterMs: 0, packetLossPct: 0 }] });
  });

  test('the server\'s bounds: finite, not negative, round trip and jitter at most 60 s, loss at most 100', () => {
    const link = reportLink('a', { rttMs: 1e9, jitterMs: 1e6, lossPercent: 140, kbps: NaN, outboundKbps: Infinity, framesPerSecond: -3, localCandidateType: 'bogus' });
    assert.deepEqual(link, { socketId: 'a', rttMs: 60_000, jitterMs: 60_000, packetLossPct: 100 });
  });

  test('links without a round trip or without a loss figure are left out; no links, no report', () => {
    assert.equal(reportLink('a', { jitterMs: 5, kbps: 100 }), null);
    assert.equal(reportLink('a', { rttMs: 5 }), null);
    assert.equal(reportLink('a', { lossPercent: 0 }), null);
    assert.equal(reportLink('a', { rttMs: NaN, lossPercent: 0 }), null);
    assert.equal(reportLink('', sample), null);
    assert.equal(qualityReport('s1', [{ socketId: 'a', sample: { kbps: 1 } }, { socketId: 'b', sample: undefined }]), null);
    assert.equal(qualityReport('s1', []), null);
  });

  test('an establishment time over the server\'s 10 minutes is left out', () => {
    assert.equal(qualityReport('s1', [{ socketId: 'a', sample }], 600_001).connectionEstablishedMs, undefined);
    assert.equal(qualityReport('s1', [{ socketId: 'a', sample }], 600_000).connectionEstablishedMs, 600_000);
  });

  test(`at most ${MAX_LINKS} links`, () => {
    const links = Array.from({ length: 40 }, (_, i) => ({ socketId: `s${i}`, sample }));
    assert.equal(qualityReport('s1', links).links.length, MAX_LINKS);
  });
});

test('the establishment time: from the join to the first connection, once per join', () => {
  let now = 0;
  const clock = new EstablishmentClock(() => now);
  clock.connected();
  assert.equal(clock.ms, undefined, 'no join yet');
  now = 100;
  clock.started();
  now = 850;
  clock.connected();
  now = 900;
  clock.connected();
  assert.equal(clock.ms, 750, 'the first connection counts');
  now = 5000;
  clock.started();
  assert.equal(clock.ms, undefined, 'a new join starts over');
  now = 5200;
  clock.connected();
  assert.equal(clock.ms, 200);
});

// The figures of one RTCPeerConnection from getStats(), every STATS_INTERVAL_MS (call.js):
// - the selected candidate pair: round-trip time and the candidate types;
// - what we receive (inbound-rtp): packets, loss, bytes, audio jitter, video frames; what the tests watch too;
// - what we send (outbound-rtp) and what the other side reports about it (remote-inbound-rtp): the loss on our
//   uplink to them, which drives the adaptive bitrate (bitrate.js).
// Rates and loss are over the interval since the previous sample.

/** Samples `pc`; pass the previous sample to get loss and bitrates over the interval. */
export async function sampleStats(pc, previous) {
  return sampleFrom(await pc.getStats(), performance.now(), previous);
}

/** The sample of an RTCStatsReport (or a Map of stats by id) taken at `at` (ms). Pure. */
export function sampleFrom(report, at, previous) {
  const sample = {
    at,
    rttMs: undefined,
    localCandidateType: undefined,
    remoteCandidateType: undefined,
    packetsReceived: 0,
    packetsLost: 0,
    bytesReceived: 0,
    jitterMs: undefined, // of the inbound audio (the worst stream)
    framesDecoded: 0,
    framesDropped: 0,
    framesPerSecond: undefined,
    audioPacketsReceived: 0,
    frameWidth: 0,
    frameHeight: 0,
    packetsSent: 0,
    bytesSent: 0,
    remotePacketsLost: 0, // what the other side reports lost of ours
  };
  report.forEach((s) => {
    switch (s.type) {
      case 'transport':
        if (s.selectedCandidatePairId) selectedPair(report, report.get(s.selectedCandidatePairId), sample);
        break;
      case 'inbound-rtp':
        sample.packetsReceived += s.packetsReceived ?? 0;
        sample.packetsLost += Math.max(0, s.packetsLost ?? 0);
        sample.bytesReceived += s.bytesReceived ?? 0;
        if (s.kind === 'audio') {
          sample.audioPacketsReceived += s.packetsReceived ?? 0;
          if (s.jitter !== undefined) sample.jitterMs = Math.max(sample.jitterMs ?? 0, s.jitter * 1000);
        } else if (s.kind === 'video') {
          sample.framesDecoded += s.framesDecoded ?? 0;
          sample.framesDropped += s.framesDropped ?? 0;
          if (s.framesPerSecond !== undefined) sample.framesPerSecond = (sample.framesPerSecond ?? 0) + s.framesPerSecond;
          sample.frameWidth = s.frameWidth ?? sample.frameWidth;
          sample.frameHeight = s.frameHeight ?? sample.frameHeight;
        }
        break;
      case 'outbound-rtp':
        sample.packetsSent += s.packetsSent ?? 0;
        sample.bytesSent += s.bytesSent ?? 0;
        break;
      case 'remote-inbound-rtp':
        sample.remotePacketsLost += Math.max(0, s.packetsLost ?? 0);
        break;
    }
  });
  if (previous) addInterval(sample, previous);
  return sample;
}

function selectedPair(report, pair, sample) {
  if (!pair) return;
  if (pair.currentRoundTripTime !== undefined) sample.rttMs = Math.round(pair.currentRoundTripTime * 1000);
  sample.localCandidateType = report.get(pair.localCandidateId)?.candidateType;
  sample.remoteCandidateType = report.get(pair.remoteCandidateId)?.candidateType;
}

// Loss and rates since `previous`. Counters that went backwards (a new stream replaced an old one) count as 0.
function addInterval(sample, previous) {
  const seconds = (sample.at - previous.at) / 1000;
  const delta = (name) => Math.max(0, sample[name] - previous[name]);
  const kbps = (name) => (seconds > 0 ? (8 * delta(name)) / 1000 / seconds : undefined);
  const received = delta('packetsReceived');
  const lost = delta('packetsLost');
  // Nothing came over the interval: all lost if they sent before (the path is down), else not known (they send
  // nothing at all, e.g. no camera and no microphone).
  if (received + lost > 0) sample.lossPercent = (100 * lost) / (received + lost);
  else if (previous.packetsReceived > 0) sample.lossPercent = 100;
  sample.kbps = kbps('bytesReceived');
  sample.outboundKbps = kbps('bytesSent');
  sample.framesDroppedInInterval = delta('framesDropped');
  // Lost of ours, against sent: the receiver's reports lag a little behind our counters, hence the cap.
  const sent = delta('packetsSent');
  if (sent > 0) sample.outboundLossPct = Math.min(100, (100 * delta('remotePacketsLost')) / sent);
}

/** "42 ms · 0.0% loss · 812 kbps" */
export function describe({ rttMs, lossPercent, kbps }) {
  const parts = [];
  if (rttMs !== undefined) parts.push(`${rttMs} ms`);
  if (lossPercent !== undefined) parts.push(`${lossPercent.toFixed(1)}% loss`);
  if (kbps !== undefined) parts.push(kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbps` : `${Math.round(kbps)} kbps`);
  return parts.join(' · ');
}

// Connection quality of one RTCPeerConnection from getStats(): the round-trip time of the selected candidate
// pair, and since the previous sample the inbound packet loss and bitrate; plus decoded video frames and received
// audio packets (what the tests watch).

/** Samples `pc`; pass the previous sample to get loss and bitrate over the interval. */
export async function sampleStats(pc, previous) {
  const report = await pc.getStats();
  const sample = {
    at: performance.now(),
    rttMs: undefined,
    packetsReceived: 0,
    packetsLost: 0,
    bytesReceived: 0,
    framesDecoded: 0,
    audioPacketsReceived: 0,
    frameWidth: 0,
    frameHeight: 0,
  };
  report.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) {
      const pair = report.get(s.selectedCandidatePairId);
      if (pair?.currentRoundTripTime !== undefined) sample.rttMs = Math.round(pair.currentRoundTripTime * 1000);
    }
    if (s.type !== 'inbound-rtp') return;
    sample.packetsReceived += s.packetsReceived ?? 0;
    sample.packetsLost += Math.max(0, s.packetsLost ?? 0);
    sample.bytesReceived += s.bytesReceived ?? 0;
    if (s.kind === 'audio') sample.audioPacketsReceived += s.packetsReceived ?? 0;
    if (s.kind === 'video') {
      sample.framesDecoded += s.framesDecoded ?? 0;
      sample.frameWidth = s.frameWidth ?? sample.frameWidth;
      sample.frameHeight = s.frameHeight ?? sample.frameHeight;
    }
  });
  if (previous) {
    const seconds = (sample.at - previous.at) / 1000;
    const received = sample.packetsReceived - previous.packetsReceived;
    const lost = sample.packetsLost - previous.packetsLost;
    sample.lossPercent = received + lost > 0 ? (100 * Math.max(0, lost)) / (received + lost) : 0;
    sample.kbps = seconds > 0 ? Math.max(0, (8 * (sample.bytesReceived - previous.bytesReceived)) / 1000 / seconds) : 0;
  }
  sample.quality = rate(sample);
  return sample;
}

/** 'good', 'fair', 'poor', or 'unknown' before there is enough data. */
export function rate({ rttMs, lossPercent }) {
  if (rttMs === undefined || lossPercent === undefined) return 'unknown';
  if (rttMs < 150 && lossPercent < 2) return 'good';
  if (rttMs < 400 && lossPercent < 8) return 'fair';
  return 'poor';
}

/** "42 ms · 0.0% loss · 812 kbps" */
export function describe({ rttMs, lossPercent, kbps }) {
  const parts = [];
  if (rttMs !== undefined) parts.push(`${rttMs} ms`);
  if (lossPercent !== undefined) parts.push(`${lossPercent.toFixed(1)}% loss`);
  if (kbps !== undefined) parts.push(kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbps` : `${Math.round(kbps)} kbps`);
  return parts.join(' · ');
}

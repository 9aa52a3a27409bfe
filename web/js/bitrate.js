// Adaptive bitrate for the mesh: every RTCPeerConnection sends our camera (or screen) separately, so our uplink
// is shared by them all. Each link's video gets a cap (kbps) that
//   - starts at its share of the uplink budget (fewer per link as the call grows; halved while the server names
//     us the call's bottleneck),
//   - falls multiplicatively when what the other side reports back (RTCP receiver reports: loss, round-trip
//     time) says the link is congested,
//   - and climbs back additively, one step per clean interval once a few clean intervals have passed.
// The cap picks a rung: full video, reduced (half resolution), a thumbnail (a quarter, few frames), or off.
// Audio is protected first: its own bitrate and high priority, and the rungs never touch it.
//
// The decisions are pure functions (stepLink, videoEncodingFor, shareFor; tests/browser/bitrate_logic.test.mjs);
// BitrateController applies them to the senders with RTCRtpSender.setParameters.

export const ABR = Object.freeze({
  budgetKbps: 2000, // our whole uplink for video, shared by the links
  maxLinkKbps: 1500, // one link never asks more: 640×480 at 24 fps looks good well below that
  bottleneckFactor: 0.5, // the budget while the server says our uplink is the call's weakest
  minKbps: 40, // the cap's floor (video is off there; audio goes on)
  offBelowKbps: 80, // below: video off
  thumbnailBelowKbps: 200, // below: a quarter of the resolution at 8 fps
  reducedBelowKbps: 450, // below: half the resolution at 20 fps
  audioKbps: 48, // Opus needs about 32 for speech; audio keeps this whatever video does
  lossCleanPct: 2, // at most this much loss (and a low round trip) is a clean interval
  lossBadPct: 8, // at least this much loss is congestion
  lossSeverePct: 20,
  rttCleanMs: 300,
  rttBadMs: 600,
  decrease: 0.7, // the cap's factor on a congested interval
  severeDecrease: 0.5,
  cleanBeforeIncrease: 3, // clean intervals in a row before the cap climbs
  increaseFraction: 0.1, // each step: this share of the link's fair share, at least minIncreaseKbps
  minIncreaseKbps: 50,
});

/** Each link's fair share of the budget (kbps): the budget split between `links`, at most maxLinkKbps. */
export function shareFor(links, { bottleneck = false } = {}, o = ABR) {
  const budget = o.budgetKbps * (bottleneck ? o.bottleneckFactor : 1);
  return Math.max(o.minKbps, Math.min(o.maxLinkKbps, budget / Math.max(1, links)));
}

/**
 * What one interval's figures say about the link we send on: 'severe', 'congested', 'clean', or 'hold' (in
 * between, or unknown). lossPct: the loss the other side reports over the interval (0..100); rttMs: round trip.
 */
export function classify({ lossPct, rttMs }, o = ABR) {
  const loss = Number.isFinite(lossPct) ? lossPct : undefined;
  const rtt = Number.isFinite(rttMs) ? rttMs : undefined;
  if (loss !== undefined && loss >= o.lossSeverePct) return 'severe';
  if ((loss !== undefined && loss >= o.lossBadPct) || (rtt !== undefined && rtt >= o.rttBadMs)) return 'congested';
  if (loss !== undefined && loss <= o.lossCleanPct && (rtt === undefined || rtt <= o.rttCleanMs)) return 'clean';
  return 'hold';
}

/** A new link's state: its cap at the fair share. */
export function initialLink(shareKbps) {
  return { capKbps: shareKbps, clean: 0, verdict: 'hold' };
}

/**
 * One interval of one link: the next state {capKbps, clean, verdict} from the previous one, the interval's
 * figures ({lossPct, rttMs}, see classify) and the link's current fair share (the cap never exceeds it).
 */
export function stepLink(state, figures, shareKbps, o = ABR) {
  const verdict = classify(figures, o);
  let { capKbps, clean } = state;
  if (verdict === 'severe' || verdict === 'congested') {
    capKbps *= verdict === 'severe' ? o.severeDecrease : o.decrease;
    clean = 0;
  } else if (verdict === 'clean') {
    clean += 1;
    if (clean >= o.cleanBeforeIncrease) capKbps += Math.max(o.minIncreaseKbps, o.increaseFraction * shareKbps);
  } else {
    clean = 0;
  }
  capKbps = Math.round(Math.max(o.minKbps, Math.min(shareKbps, capKbps)));
  return { capKbps, clean, verdict };
}

/**
 * The video encoding for a cap: {rung, active, maxBitrate (bps), scaleResolutionDownBy, maxFramerate}.
 * maxFramerate undefined: the source's own. A screen (screen: true) keeps its resolution longer and gives up frames
 * instead, since text must stay readable.
 */
export function videoEncodingFor(capKbps, { screen = false } = {}, o = ABR) {
  const maxBitrate = Math.round(capKbps * 1000);
  if (capKbps < o.offBelowKbps) return { rung: 'off', active: false, maxBitrate, scaleResolutionDownBy: 4, maxFramerate: 5 };
  if (capKbps < o.thumbnailBelowKbps) {
    return { rung: 'thumbnail', active: true, maxBitrate, scaleResolutionDownBy: screen ? 2 : 4, maxFramerate: screen ? 2 : 8 };
  }
  if (capKbps < o.reducedBelowKbps) {
    return { rung: 'reduced', active: true, maxBitrate, scaleResolutionDownBy: screen ? 1 : 2, maxFramerate: screen ? 5 : 20 };
  }
  return { rung: 'full', active: true, maxBitrate, scaleResolutionDownBy: 1, maxFramerate: undefined };
}

/** Audio's encoding: its own bitrate, and ahead of video in the sender's queue and on the network. */
export function audioEncoding(o = ABR) {
  return { maxBitrate: o.audioKbps * 1000, priority: 'high', networkPriority: 'high' };
}

/**
 * Applies the decisions to the call's PeerLinks after each stats sample (call.js). Thread of control: the page's
 * one; update() is not re-entered (the caller awaits it).
 */
export class BitrateController {
  constructor(options = ABR) {
    this.o = options;
    this.bottleneck = false;
    this.states = new WeakMap(); // PeerLink -> link state
    this.applied = new WeakMap(); // RTCRtpSender -> the encoding last applied (a string), for changes only
  }

  /** The server named us (true) or someone else / nobody (false) as the call's weakest uplink. */
  setBottleneck(isMe) {
    this.bottleneck = Boolean(isMe);
  }

  /** The current state of `link` ({capKbps, clean, verdict}), or undefined before its first update. */
  stateOf(link) {
    return this.states.get(link);
  }

  /**
   * links: the call's PeerLinks, each with its latest sample in `link.stats` (stats.js: outboundLossPct, rttMs).
   * Steps each link's cap and applies it to its senders; failures are logged and retried next time.
   */
  async update(links) {
    const share = shareFor(links.length, { bottleneck: this.bottleneck }, this.o);
    await Promise.all(
      links.map((link) => {
        const figures = { lossPct: link.stats?.outboundLossPct, rttMs: link.stats?.rttMs };
        const state = stepLink(this.states.get(link) ?? initialLink(share), figures, share, this.o);
        this.states.set(link, state);
        return this.#apply(link, state);
      }),
    );
  }

  async #apply(link, state) {
    const pc = link.pc;
    if (pc.connectionState === 'closed') return;
    for (const transceiver of pc.getTransceivers()) {
      const { sender } = transceiver;
      const kind = transceiver.receiver.track?.kind;
      if (!sender?.track || transceiver.currentDirection === 'stopped') continue; // sends nothing
      if (kind === 'audio') await this.#set(sender, () => audioEncoding(this.o));
      else if (kind === 'video') {
        const screen = sender.track.contentHint === 'detail';
        await this.#set(sender, () => videoEncodingFor(state.capKbps, { screen }, this.o));
      }
    }
  }

  // Sets every encoding of `sender` to `wanted()`, when that differs from what was last applied.
  async #set(sender, wanted) {
    const { rung, ...encoding } = wanted();
    const key = JSON.stringify(encoding);
    if (this.applied.get(sender) === key) return;
    const params = sender.getParameters();
    if (!params.encodings?.length) return; // not negotiated yet
    for (const e of params.encodings) {
      for (const [name, value] of Object.entries(encoding)) {
        if (value === undefined) delete e[name];
        else e[name] = value;
      }
    }
    try {
      await sender.setParameters(params);
      this.applied.set(sender, key);
    } catch (err) {
      // Negotiating, or the connection closed meanwhile: next interval again.
      console.debug(`setParameters (${sender.track?.kind ?? 'no track'}${rung ? `, ${rung}` : ''}): ${err.message}`);
    }
  }
}

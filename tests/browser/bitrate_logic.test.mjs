// The web client's adaptive bitrate decisions (web/js/bitrate.js), without a browser: the share of the uplink per
// link, how one interval's loss and round trip move a link's cap, and which video encoding a cap gives.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  ABR, audioEncoding, classify, initialLink, shareFor, stepLink, videoEncodingFor,
} from '../../web/js/bitrate.js';

/** Runs `figures` (one per interval) through stepLink from a fresh link; returns every state. */
function run(figuresList, share = 1000) {
  const states = [];
  let state = initialLink(share);
  for (const figures of figuresList) states.push((state = stepLink(state, figures, share)));
  return states;
}
const clean = { lossPct: 0, rttMs: 20 };
const times = (n, figures) => Array.from({ length: n }, () => figures);

describe('the share of the uplink', () => {
  test('one link gets at most maxLinkKbps; more links split the budget', () => {
    assert.equal(shareFor(1), ABR.maxLinkKbps);
    assert.equal(shareFor(2), ABR.budgetKbps / 2);
    assert.equal(shareFor(7), ABR.budgetKbps / 7);
    assert.ok(shareFor(7) < shareFor(3));
  });

  test('no links is one link, and the share never goes below the floor', () => {
    assert.equal(shareFor(0), shareFor(1));
    assert.equal(shareFor(10_000), ABR.minKbps);
  });

  test('the bottleneck of the call sends less', () => {
    assert.equal(shareFor(4, { bottleneck: true }), (ABR.budgetKbps * ABR.bottleneckFactor) / 4);
  });
});

describe('one interval', () => {
  test('classify: severe, congested, clean, hold', () => {
    assert.equal(classify({ lossPct: 25, rttMs: 20 }), 'severe');
    assert.equal(classify({ lossPct: 10, rttMs: 20 }), 'congested');
    assert.equal(classify({ lossPct: 0, rttMs: 900 }), 'congested');
    assert.equal(classify({ rttMs: 900 }), 'congested', 'a long round trip alone is congestion');
    assert.equal(classify({ lossPct: 1, rttMs: 50 }), 'clean');
    assert.equal(classify({ lossPct: 1 }), 'clean');
    assert.equal(classify({ lossPct: 5, rttMs: 50 }), 'hold', 'between clean and congested');
    assert.equal(classify({ lossPct: 0, rttMs: 400 }), 'hold');
    assert.equal(classify({}), 'hold', 'nothing known');
    assert.equal(classify({ lossPct: NaN, rttMs: Infinity }), 'hold', 'not numbers');
  });

  test('congestion lowers the cap multiplicatively, severe loss more', () => {
    const [congested] = run([{ lossPct: 10, rttMs: 50 }]);
    assert.equal(congested.capKbps, 1000 * ABR.decrease);
    const [severe] = run([{ lossPct: 30, rttMs: 50 }]);
    assert.equal(severe.capKbps, 1000 * ABR.severeDecrease);
  });

  test('the cap climbs only after a few clean intervals, then one step per interval', () => {
    const states = run([...times(4, { lossPct: 30 }), ...times(ABR.cleanBeforeIncrease + 2, clean)]);
    const low = states[3].capKbps;
    const climbing = states.slice(4).map((s) => s.capKbps);
    const step = Math.max(ABR.minIncreaseKbps, ABR.increaseFraction * 1000);
    assert.deepEqual(climbing.slice(0, ABR.cleanBeforeIncrease - 1), times(ABR.cleanBeforeIncrease - 1, low));
    assert.deepEqual(climbing.slice(ABR.cleanBeforeIncrease - 1), [low + step, low + 2 * step, low + 3 * step]);
  });

  test('an interval that is not clean starts the count again', () => {
    const states = run([{ lossPct: 30 }, clean, clean, { lossPct: 5 }, clean, clean, clean]);
    assert.equal(states[3].clean, 0);
    assert.equal(states[5].capKbps, states[0].capKbps, 'two clean intervals after the hold: not yet');
    assert.ok(states[6].capKbps > states[0].capKbps);
  });

  test('the cap stays between the floor and the share', () => {
    const low = run(times(20, { lossPct: 50 }));
    assert.equal(low.at(-1).capKbps, ABR.minKbps);
    const high = run(times(40, clean));
    assert.equal(high.at(-1).capKbps, 1000);
    // The call grew: the share shrank, and the cap follows at once.
    assert.equal(stepLink(high.at(-1), clean, 400).capKbps, 400);
  });

  test('a link that keeps losing goes from full video to a thumbnail, then off; audio is never touched', () => {
    const rungs = run(times(8, { lossPct: 15, rttMs: 80 }), shareFor(2)).map((s) => videoEncodingFor(s.capKbps).rung);
    assert.deepEqual([...new Set(rungs)], ['full', 'reduced', 'thumbnail', 'off']);
    assert.deepEqual(audioEncoding(), { maxBitrate: ABR.audioKbps * 1000, priority: 'high', networkPriority: 'high' });
  });

  test('and comes back step by step once the link is clean', () => {
    const states = run([...times(8, { lossPct: 30 }), ...times(30, clean)], shareFor(2));
    const rungs = states.map((s) => videoEncodingFor(s.capKbps).rung);
    const back = rungs.slice(8);
    assert.equal(back[0], 'off');
    assert.deepEqual([...new Set(back)], ['off', 'thumbnail', 'reduced', 'full']);
    assert.equal(states.at(-1).capKbps, shareFor(2));
  });
});

describe('the video encoding of a cap', () => {
  test('rungs by cap', () => {
    assert.deepEqual(videoEncodingFor(1000), { rung: 'full', active: true, maxBitrate: 1_000_000, scaleResolutionDownBy: 1, maxFramerate: undefined });
    assert.deepEqual(videoEncodingFor(300), { rung: 'reduced', active: true, maxBitrate: 300_000, scaleResolutionDownBy: 2, maxFramerate: 20 });
    assert.deepEqual(videoEncodingFor(120), { rung: 'thumbnail', active: true, maxBitrate: 120_000, scaleResolutionDownBy: 4, maxFramerate: 8 });
    assert.equal(videoEncodingFor(ABR.minKbps).active, false);
  });

  test('a shared screen keeps more of its resolution and gives up frames', () => {
    const screen = videoEncodingFor(300, { screen: true });
    assert.equal(screen.scaleResolutionDownBy, 1);
    assert.ok(screen.maxFramerate < videoEncodingFor(300).maxFramerate);
  });
});

// The official Engine.IO v4 protocol test suite (socketio/engine.io-protocol test-suite/test-suite.js, now
// docs/engine.io-protocol/v4-test-suite/test-suite.js of socketio/socket.io; MIT), ported from mocha/chai,
// node-fetch and a global WebSocket to node:test, node:assert, global fetch and `ws`. Same cases, names and
// assertions, same timeouts (mocha's default 2 s, 5 s for the heartbeat cases), against
// `hearth-call serve --protocol-conformance`, whose /engine.io/ echoes every message.
// Deviation: the WebSocket "fails with an invalid ... query parameter" cases await the "close" events the
// original only starts waiting for.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  closeAllSockets, createWebSocket, sleep, startConformanceServer, stopAll, waitFor,
} from './lib/conformance.mjs';

let URL;
let WS_URL;

const PING_INTERVAL = 300;
const PING_TIMEOUT = 200;

const DEFAULT = { timeout: 2000 };
const HEARTBEAT = { timeout: 5000 };

before(async () => {
  const server = await startConformanceServer();
  URL = server.url;
  WS_URL = URL.replace('http', 'ws');
});

after(async () => {
  closeAllSockets();
  await stopAll();
});

async function initLongPollingSession() {
  const response = await fetch(`${URL}/engine.io/?EIO=4&transport=polling`);
  const content = await response.text();
  return JSON.parse(content.substring(1)).sid;
}

function assertHandshake(value, upgrades) {
  assert.deepEqual(Object.keys(value).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
  assert.equal(typeof value.sid, 'string');
  assert.deepEqual(value.upgrades, upgrades);
  assert.equal(value.pingInterval, PING_INTERVAL);
  assert.equal(value.pingTimeout, PING_TIMEOUT);
  assert.equal(value.maxPayload, 1000000);
}

describe('Engine.IO protocol', () => {
  describe('handshake', () => {
    describe('HTTP long-polling', () => {
      it('successfully opens a session', DEFAULT, async () => {
        const response = await fetch(`${URL}/engine.io/?EIO=4&transport=polling`);

        assert.equal(response.status, 200);

        const content = await response.text();

        assert.ok(content.startsWith('0'), content);

        const value = JSON.parse(content.substring(1));

        assertHandshake(value, ['websocket']);
      });

      it("fails with an invalid 'EIO' query parameter", DEFAULT, async () => {
        const response = await fetch(`${URL}/engine.io/?transport=polling`);

        assert.equal(response.status, 400);

        const response2 = await fetch(`${URL}/engine.io/?EIO=abc&transport=polling`);

        assert.equal(response2.status, 400);
      });

      it("fails with an invalid 'transport' query parameter", DEFAULT, async () => {
        const response = await fetch(`${URL}/engine.io/?EIO=4`);

        assert.equal(response.status, 400);

        const response2 = await fetch(`${URL}/engine.io/?EIO=4&transport=abc`);

        assert.equal(response2.status, 400);
      });

      it('fails with an invalid request method', DEFAULT, async () => {
        const response = await fetch(`${URL}/engine.io/?EIO=4&transport=polling`, { method: 'post' });

        assert.equal(response.status, 400);

        const response2 = await fetch(`${URL}/engine.io/?EIO=4&transport=polling`, { method: 'put' });

        assert.equal(response2.status, 400);
      });
    });

    describe('WebSocket', () => {
      it('successfully opens a session', DEFAULT, async () => {
        const socket = createWebSocket(`${WS_URL}/engine.io/?EIO=4&transport=websocket`);

        const { data } = await waitFor(socket, 'message');

        assert.ok(data.startsWith('0'), data);

        const value = JSON.parse(data.substring(1));

        assertHandshake(value, []);

        socket.close();
      });

      it("fails with an invalid 'EIO' query parameter", DEFAULT, async () => {
        const socket = createWebSocket(`${WS_URL}/engine.io/?transport=websocket`);

        await waitFor(socket, 'close');

        const socket2 = createWebSocket(`${WS_URL}/engine.io/?EIO=abc&transport=websocket`);

        await waitFor(socket2, 'close');
      });

      it("fails with an invalid 'transport' query parameter", DEFAULT, async () => {
        const socket = createWebSocket(`${WS_URL}/engine.io/?EIO=4`);

        await waitFor(socket, 'close');

        const socket2 = createWebSocket(`${WS_URL}/engine.io/?EIO=4&transport=abc`);

        await waitFor(socket2, 'close');
      });
    });
  });

  describe('message', () => {
    describe('HTTP long-polling', () => {
      it('sends and receives a payload containing one plain text packet', DEFAULT, async () => {
        const sid = await initLongPollingSession();

        const pushResponse = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`, {
          method: 'post',
          body: '4hello',
        });

        assert.equal(pushResponse.status, 200);

        const postContent = await pushResponse.text();

        assert.equal(postContent, 'ok');

        const pollResponse = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`);

        assert.equal(pollResponse.status, 200);

        const pollContent = await pollResponse.text();

        assert.equal(pollContent, '4hello');
      });

      it('sends and receives a payload containing several plain text packets', DEFAULT, async () => {
        const sid = await initLongPollingSession();

        const pushResponse = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`, {
          method: 'post',
          body: '4test1\x1e4test2\x1e4test3',
        });

        assert.equal(pushResponse.status, 200);

        const postContent = await pushResponse.text();

        assert.equal(postContent, 'ok');

        const pollResponse = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`);

        assert.equal(pollResponse.status, 200);

        const pollContent = await pollResponse.text();

        assert.equal(pollContent, '4test1\x1e4test2\x1e4test3');
      });

      it('sends and receives a payload containing plain text and binary packets', DEFAULT, async () => {
        const sid = await initLongPollingSession();

        const pushResponse = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`, {
          method: 'post',
          body: '4hello\x1ebAQIDBA==',
        });

        assert.equal(pushResponse.status, 200);

        const postContent = await pushResponse.text();

        assert.equal(postContent, 'ok');

        const pollResponse = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`);

        assert.equal(pollResponse.status, 200);

        const pollContent = await pollResponse.text();

        assert.equal(pollContent, '4hello\x1ebAQIDBA==');
      });

      it('closes the session upon invalid packet format', DEFAULT, async () => {
        const sid = await initLongPollingSession();

        try {
          const pushResponse = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`, {
            method: 'post',
            body: 'abc',
          });

          assert.equal(pushResponse.status, 400);
        } catch (e) {
          // fetch throws when the request is closed abnormally
          if (e instanceof assert.AssertionError) throw e;
        }

        const pollResponse = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`);

        assert.equal(pollResponse.status, 400);
      });

      it('closes the session upon duplicate poll requests', DEFAULT, async () => {
        const sid = await initLongPollingSession();

        const pollResponses = await Promise.all([
          fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`),
          sleep(5).then(() => fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}&t=burst`)),
        ]);

        assert.equal(pollResponses[0].status, 200);

        const content = await pollResponses[0].text();

        assert.equal(content, '1');

        // the Node.js implementation uses HTTP 500 (Internal Server Error), but HTTP 400 seems more suitable
        assert.ok([400, 500].includes(pollResponses[1].status), `status ${pollResponses[1].status}`);

        const pollResponse = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`);

        assert.equal(pollResponse.status, 400);
      });
    });

    describe('WebSocket', () => {
      it('sends and receives a plain text packet', DEFAULT, async () => {
        const socket = createWebSocket(`${WS_URL}/engine.io/?EIO=4&transport=websocket`);

        await waitFor(socket, 'open');

        await waitFor(socket, 'message'); // handshake

        socket.send('4hello');

        const { data } = await waitFor(socket, 'message');

        assert.equal(data, '4hello');

        socket.close();
      });

      it('sends and receives a binary packet', DEFAULT, async () => {
        const socket = createWebSocket(`${WS_URL}/engine.io/?EIO=4&transport=websocket`);
        socket.binaryType = 'arraybuffer';

        await waitFor(socket, 'message'); // handshake

        socket.send(Uint8Array.from([1, 2, 3, 4]));

        const { data } = await waitFor(socket, 'message');

        assert.deepEqual(data, Uint8Array.from([1, 2, 3, 4]).buffer);

        socket.close();
      });

      it('closes the session upon invalid packet format', DEFAULT, async () => {
        const socket = createWebSocket(`${WS_URL}/engine.io/?EIO=4&transport=websocket`);

        await waitFor(socket, 'message'); // handshake

        socket.send('abc');

        await waitFor(socket, 'close');

        socket.close();
      });
    });
  });

  describe('heartbeat', () => {
    describe('HTTP long-polling', () => {
      it('sends ping/pong packets', HEARTBEAT, async () => {
        const sid = await initLongPollingSession();

        for (let i = 0; i < 3; i++) {
          const pollResponse = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`);

          assert.equal(pollResponse.status, 200);

          const pollContent = await pollResponse.text();

          assert.equal(pollContent, '2');

          const pushResponse = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`, {
            method: 'post',
            body: '3',
          });

          assert.equal(pushResponse.status, 200);
        }
      });

      it('closes the session upon ping timeout', HEARTBEAT, async () => {
        const sid = await initLongPollingSession();

        await sleep(PING_INTERVAL + PING_TIMEOUT);

        const pollResponse = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`);

        assert.equal(pollResponse.status, 400);
      });
    });

    describe('WebSocket', () => {
      it('sends ping/pong packets', HEARTBEAT, async () => {
        const socket = createWebSocket(`${WS_URL}/engine.io/?EIO=4&transport=websocket`);

        await waitFor(socket, 'message'); // handshake

        for (let i = 0; i < 3; i++) {
          const { data } = await waitFor(socket, 'message');

          assert.equal(data, '2');

          socket.send('3');
        }

        socket.close();
      });

      it('closes the session upon ping timeout', HEARTBEAT, async () => {
        const socket = createWebSocket(`${WS_URL}/engine.io/?EIO=4&transport=websocket`);

        await waitFor(socket, 'close'); // handshake
      });
    });
  });

  describe('close', () => {
    describe('HTTP long-polling', () => {
      it('forcefully closes the session', DEFAULT, async () => {
        const sid = await initLongPollingSession();

        const [pollResponse] = await Promise.all([
          fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`),
          fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'post', body: '1' }),
        ]);

        assert.equal(pollResponse.status, 200);

        const pullContent = await pollResponse.text();

        assert.equal(pullContent, '6');

        const pollResponse2 = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`);

        assert.equal(pollResponse2.status, 400);
      });
    });

    describe('WebSocket', () => {
      it('forcefully closes the session', DEFAULT, async () => {
        const socket = createWebSocket(`${WS_URL}/engine.io/?EIO=4&transport=websocket`);

        await waitFor(socket, 'message'); // handshake

        socket.send('1');

        await waitFor(socket, 'close');
      });
    });
  });

  describe('upgrade', () => {
    it('successfully upgrades from HTTP long-polling to WebSocket', DEFAULT, async () => {
      const sid = await initLongPollingSession();

      const socket = createWebSocket(`${WS_URL}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);

      await waitFor(socket, 'open');

      // send probe
      socket.send('2probe');

      const probeResponse = await waitFor(socket, 'message');

      assert.equal(probeResponse.data, '3probe');

      const pollResponse = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`);

      assert.equal(pollResponse.status, 200);

      const pollContent = await pollResponse.text();

      assert.equal(pollContent, '6'); // "noop" packet to cleanly end the HTTP long-polling request

      // complete upgrade
      socket.send('5');

      socket.send('4hello');

      const { data } = await waitFor(socket, 'message');

      assert.equal(data, '4hello');
    });

    it('ignores HTTP requests with same sid after upgrade', DEFAULT, async () => {
      const sid = await initLongPollingSession();

      const socket = createWebSocket(`${WS_URL}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);

      await waitFor(socket, 'open');
      socket.send('2probe');
      socket.send('5');

      const pollResponse = await fetch(`${URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`);

      assert.equal(pollResponse.status, 400);

      socket.send('4hello');

      const { data } = await waitFor(socket, 'message');

      assert.equal(data, '4hello');
    });

    it('ignores WebSocket connection with same sid after upgrade', DEFAULT, async () => {
      const sid = await initLongPollingSession();

      const socket = createWebSocket(`${WS_URL}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);

      await waitFor(socket, 'open');
      socket.send('2probe');
      socket.send('5');

      const socket2 = createWebSocket(`${WS_URL}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);

      await waitFor(socket2, 'close');

      socket.send('4hello');

      const { data } = await waitFor(socket, 'message');

      assert.equal(data, '4hello');
    });
  });
});

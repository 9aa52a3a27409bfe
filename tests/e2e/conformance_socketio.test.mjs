// The official Socket.IO v5 protocol test suite (socketio/socket.io-protocol test-suite/test-suite.js, now
// docs/socket.io-protocol/v5-test-suite/test-suite.js of socketio/socket.io; MIT), ported from mocha/chai,
// node-fetch and a global WebSocket to node:test, node:assert, global fetch and `ws`. Same cases, names and
// assertions, same timeouts (mocha's default 2 s, 5 s for the heartbeat cases), against
// `hearth-call serve --protocol-conformance`, whose /socket.io/ serves namespaces "/" and "/custom": "auth" echoes
// the CONNECT payload, "message" is answered with "message-back", "message-with-ack" is acknowledged.
// Deviation: the WebSocket "should fail with an invalid ... query parameter" cases await the "close" events the
// original only starts waiting for.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  closeAllSockets, createWebSocket, sleep, startConformanceServer, stopAll, waitFor, waitForPackets,
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
  const response = await fetch(`${URL}/socket.io/?EIO=4&transport=polling`);
  const content = await response.text();
  return JSON.parse(content.substring(1)).sid;
}

async function initSocketIOConnection() {
  const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket`);
  socket.binaryType = 'arraybuffer';

  await waitFor(socket, 'message'); // Engine.IO handshake

  socket.send('40');

  await waitFor(socket, 'message'); // Socket.IO handshake
  await waitFor(socket, 'message'); // "auth" packet

  return socket;
}

function assertHandshake(value, upgrades) {
  assert.deepEqual(Object.keys(value).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
  assert.equal(typeof value.sid, 'string');
  assert.deepEqual(value.upgrades, upgrades);
  assert.equal(value.pingInterval, PING_INTERVAL);
  assert.equal(value.pingTimeout, PING_TIMEOUT);
  assert.equal(value.maxPayload, 1000000);
}

function assertConnectAnswer(data, prefix) {
  assert.ok(data.startsWith(prefix), data);

  const handshake = JSON.parse(data.substring(prefix.length));

  assert.deepEqual(Object.keys(handshake), ['sid']);
  assert.equal(typeof handshake.sid, 'string');
}

describe('Engine.IO protocol', () => {
  describe('handshake', () => {
    describe('HTTP long-polling', () => {
      it('should successfully open a session', DEFAULT, async () => {
        const response = await fetch(`${URL}/socket.io/?EIO=4&transport=polling`);

        assert.equal(response.status, 200);

        const content = await response.text();

        assert.ok(content.startsWith('0'), content);

        const value = JSON.parse(content.substring(1));

        assertHandshake(value, ['websocket']);
      });

      it("should fail with an invalid 'EIO' query parameter", DEFAULT, async () => {
        const response = await fetch(`${URL}/socket.io/?transport=polling`);

        assert.equal(response.status, 400);

        const response2 = await fetch(`${URL}/socket.io/?EIO=abc&transport=polling`);

        assert.equal(response2.status, 400);
      });

      it("should fail with an invalid 'transport' query parameter", DEFAULT, async () => {
        const response = await fetch(`${URL}/socket.io/?EIO=4`);

        assert.equal(response.status, 400);

        const response2 = await fetch(`${URL}/socket.io/?EIO=4&transport=abc`);

        assert.equal(response2.status, 400);
      });

      it('should fail with an invalid request method', DEFAULT, async () => {
        const response = await fetch(`${URL}/socket.io/?EIO=4&transport=polling`, { method: 'post' });

        assert.equal(response.status, 400);

        const response2 = await fetch(`${URL}/socket.io/?EIO=4&transport=polling`, { method: 'put' });

        assert.equal(response2.status, 400);
      });
    });

    describe('WebSocket', () => {
      it('should successfully open a session', DEFAULT, async () => {
        const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket`);

        const { data } = await waitFor(socket, 'message');

        assert.ok(data.startsWith('0'), data);

        const value = JSON.parse(data.substring(1));

        assertHandshake(value, []);

        socket.close();
      });

      it("should fail with an invalid 'EIO' query parameter", DEFAULT, async () => {
        const socket = createWebSocket(`${WS_URL}/socket.io/?transport=websocket`);

        await waitFor(socket, 'close');

        const socket2 = createWebSocket(`${WS_URL}/socket.io/?EIO=abc&transport=websocket`);

        await waitFor(socket2, 'close');
      });

      it("should fail with an invalid 'transport' query parameter", DEFAULT, async () => {
        const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4`);

        await waitFor(socket, 'close');

        const socket2 = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=abc`);

        await waitFor(socket2, 'close');
      });
    });
  });

  describe('heartbeat', () => {
    describe('HTTP long-polling', () => {
      it('should send ping/pong packets', HEARTBEAT, async () => {
        const sid = await initLongPollingSession();

        for (let i = 0; i < 3; i++) {
          const pollResponse = await fetch(`${URL}/socket.io/?EIO=4&transport=polling&sid=${sid}`);

          assert.equal(pollResponse.status, 200);

          const pollContent = await pollResponse.text();

          assert.equal(pollContent, '2');

          const pushResponse = await fetch(`${URL}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
            method: 'post',
            body: '3',
          });

          assert.equal(pushResponse.status, 200);
        }
      });

      it('should close the session upon ping timeout', HEARTBEAT, async () => {
        const sid = await initLongPollingSession();

        await sleep(PING_INTERVAL + PING_TIMEOUT);

        const pollResponse = await fetch(`${URL}/socket.io/?EIO=4&transport=polling&sid=${sid}`);

        assert.equal(pollResponse.status, 400);
      });
    });

    describe('WebSocket', () => {
      it('should send ping/pong packets', HEARTBEAT, async () => {
        const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket`);

        await waitFor(socket, 'message'); // handshake

        for (let i = 0; i < 3; i++) {
          const { data } = await waitFor(socket, 'message');

          assert.equal(data, '2');

          socket.send('3');
        }

        socket.close();
      });

      it('should close the session upon ping timeout', HEARTBEAT, async () => {
        const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket`);

        await waitFor(socket, 'close'); // handshake
      });
    });
  });

  describe('close', () => {
    describe('HTTP long-polling', () => {
      it('should forcefully close the session', DEFAULT, async () => {
        const sid = await initLongPollingSession();

        const [pollResponse] = await Promise.all([
          fetch(`${URL}/socket.io/?EIO=4&transport=polling&sid=${sid}`),
          fetch(`${URL}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'post', body: '1' }),
        ]);

        assert.equal(pollResponse.status, 200);

        const pullContent = await pollResponse.text();

        assert.equal(pullContent, '6');

        const pollResponse2 = await fetch(`${URL}/socket.io/?EIO=4&transport=polling&sid=${sid}`);

        assert.equal(pollResponse2.status, 400);
      });
    });

    describe('WebSocket', () => {
      it('should forcefully close the session', DEFAULT, async () => {
        const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket`);

        await waitFor(socket, 'message'); // handshake

        socket.send('1');

        await waitFor(socket, 'close');
      });
    });
  });

  describe('upgrade', () => {
    it('should successfully upgrade from HTTP long-polling to WebSocket', DEFAULT, async () => {
      const sid = await initLongPollingSession();

      const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);

      await waitFor(socket, 'open');

      // send probe
      socket.send('2probe');

      const probeResponse = await waitFor(socket, 'message');

      assert.equal(probeResponse.data, '3probe');

      // complete upgrade
      socket.send('5');
    });

    it('should ignore HTTP requests with same sid after upgrade', DEFAULT, async () => {
      const sid = await initLongPollingSession();

      const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);

      await waitFor(socket, 'open');
      socket.send('2probe');
      socket.send('5');

      const pollResponse = await fetch(`${URL}/socket.io/?EIO=4&transport=polling&sid=${sid}`);

      assert.equal(pollResponse.status, 400);
    });

    it('should ignore WebSocket connection with same sid after upgrade', DEFAULT, async () => {
      const sid = await initLongPollingSession();

      const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);

      await waitFor(socket, 'open');
      socket.send('2probe');
      socket.send('5');

      const socket2 = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);

      await waitFor(socket2, 'close');
    });
  });
});

describe('Socket.IO protocol', () => {
  describe('connect', () => {
    it('should allow connection to the main namespace', DEFAULT, async () => {
      const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket`);

      await waitFor(socket, 'message'); // Engine.IO handshake

      socket.send('40');

      const { data } = await waitFor(socket, 'message');

      assertConnectAnswer(data, '40');

      const authPacket = await waitFor(socket, 'message');

      assert.equal(authPacket.data, '42["auth",{}]');
    });

    it('should allow connection to the main namespace with a payload', DEFAULT, async () => {
      const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket`);

      await waitFor(socket, 'message'); // Engine.IO handshake

      socket.send('40{"token":"123"}');

      const { data } = await waitFor(socket, 'message');

      assertConnectAnswer(data, '40');

      const authPacket = await waitFor(socket, 'message');

      assert.equal(authPacket.data, '42["auth",{"token":"123"}]');
    });

    it('should allow connection to a custom namespace', DEFAULT, async () => {
      const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket`);

      await waitFor(socket, 'message'); // Engine.IO handshake

      socket.send('40/custom,');

      const { data } = await waitFor(socket, 'message');

      assertConnectAnswer(data, '40/custom,');

      const authPacket = await waitFor(socket, 'message');

      assert.equal(authPacket.data, '42/custom,["auth",{}]');
    });

    it('should allow connection to a custom namespace with a payload', DEFAULT, async () => {
      const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket`);

      await waitFor(socket, 'message'); // Engine.IO handshake

      socket.send('40/custom,{"token":"abc"}');

      const { data } = await waitFor(socket, 'message');

      assertConnectAnswer(data, '40/custom,');

      const authPacket = await waitFor(socket, 'message');

      assert.equal(authPacket.data, '42/custom,["auth",{"token":"abc"}]');
    });

    it('should disallow connection to an unknown namespace', DEFAULT, async () => {
      const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket`);

      await waitFor(socket, 'message'); // Engine.IO handshake

      socket.send('40/random');

      const { data } = await waitFor(socket, 'message');

      assert.equal(data, '44/random,{"message":"Invalid namespace"}');
    });

    it('should disallow connection with an invalid handshake', DEFAULT, async () => {
      const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket`);

      await waitFor(socket, 'message'); // Engine.IO handshake

      socket.send('4abc');

      await waitFor(socket, 'close');
    });

    it('should close the connection if no handshake is received', DEFAULT, async () => {
      const socket = createWebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket`);

      await waitFor(socket, 'close');
    });
  });

  describe('disconnect', () => {
    it('should disconnect from the main namespace', DEFAULT, async () => {
      const socket = await initSocketIOConnection();

      socket.send('41');

      const { data } = await waitFor(socket, 'message');

      assert.equal(data, '2');
    });

    it('should connect then disconnect from a custom namespace', DEFAULT, async () => {
      const socket = await initSocketIOConnection();

      await waitFor(socket, 'message'); // ping

      socket.send('40/custom');

      await waitFor(socket, 'message'); // Socket.IO handshake
      await waitFor(socket, 'message'); // auth packet

      socket.send('41/custom');
      socket.send('42["message","message to main namespace"]');

      const { data } = await waitFor(socket, 'message');

      assert.equal(data, '42["message-back","message to main namespace"]');
    });
  });

  describe('message', () => {
    it('should send a plain-text packet', DEFAULT, async () => {
      const socket = await initSocketIOConnection();

      socket.send('42["message",1,"2",{"3":[true]}]');

      const { data } = await waitFor(socket, 'message');

      assert.equal(data, '42["message-back",1,"2",{"3":[true]}]');
    });

    it('should send a packet with binary attachments', DEFAULT, async () => {
      const socket = await initSocketIOConnection();

      socket.send('452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      socket.send(Uint8Array.from([1, 2, 3]));
      socket.send(Uint8Array.from([4, 5, 6]));

      const packets = await waitForPackets(socket, 3);

      assert.equal(packets[0], '452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      assert.deepEqual(packets[1], Uint8Array.from([1, 2, 3]).buffer);
      assert.deepEqual(packets[2], Uint8Array.from([4, 5, 6]).buffer);

      socket.close();
    });

    it('should send a plain-text packet with an ack', DEFAULT, async () => {
      const socket = await initSocketIOConnection();

      socket.send('42456["message-with-ack",1,"2",{"3":[false]}]');

      const { data } = await waitFor(socket, 'message');

      assert.equal(data, '43456[1,"2",{"3":[false]}]');
    });

    it('should send a packet with binary attachments and an ack', DEFAULT, async () => {
      const socket = await initSocketIOConnection();

      socket.send('452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      socket.send(Uint8Array.from([1, 2, 3]));
      socket.send(Uint8Array.from([4, 5, 6]));

      const packets = await waitForPackets(socket, 3);

      assert.equal(packets[0], '462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      assert.deepEqual(packets[1], Uint8Array.from([1, 2, 3]).buffer);
      assert.deepEqual(packets[2], Uint8Array.from([4, 5, 6]).buffer);

      socket.close();
    });

    it('should close the connection upon invalid format (unknown packet type)', DEFAULT, async () => {
      const socket = await initSocketIOConnection();

      socket.send('4abc');

      await waitFor(socket, 'close');
    });

    it('should close the connection upon invalid format (invalid payload format)', DEFAULT, async () => {
      const socket = await initSocketIOConnection();

      socket.send('42{}');

      await waitFor(socket, 'close');
    });

    it('should close the connection upon invalid format (invalid ack id)', DEFAULT, async () => {
      const socket = await initSocketIOConnection();

      socket.send('42abc["message-with-ack",1,"2",{"3":[false]}]');

      await waitFor(socket, 'close');
    });
  });
});

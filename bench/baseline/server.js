'use strict';
// The baseline hearth-call is compared against: the original stack, written the way a competent Node.js team
// would from the same API (docs/api.md) — Express + Socket.IO 4.8 + jsonwebtoken, one process, an in-memory
// store. Same routes, events, payloads, acks and limits (configured by the same environment variables), so
// hearth-bench drives both unchanged. It exists only to be measured against: nothing is made slow on purpose,
// and nothing is skipped that hearth-call does on the measured paths (auth, rate limits, validation, relay
// checks), except durability: this store is memory, hearth-call's is SQLite with fsync.
//
// Usage: JWT_SECRET=... node server.js [--port N]   (prints "baseline listening on http://HOST:PORT")

const http = require('node:http');
const { Server } = require('socket.io');
const d = require('./domain');
const { createApp } = require('./rest');
const { attachRealtime } = require('./realtime');

const server = http.createServer();
const io = new Server(server, {
  pingInterval: Number(d.config.pingIntervalMs),
  pingTimeout: Number(d.config.pingTimeoutMs),
  maxHttpBufferSize: 1e6,
  cors: { origin: false },
});
const events = attachRealtime(io);
server.on('request', createApp(events));

setInterval(() => {
  for (const s of d.sweep(Date.now())) events.ended(s);
}, Number(process.env.SWEEP_INTERVAL_SECONDS || 30) * 1000).unref();

server.listen(d.config.port, d.config.host, () => {
  const { address, port } = server.address();
  console.log(`baseline listening on http://${address}:${port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));

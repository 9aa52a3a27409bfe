// The API descriptions: docs/openapi.yaml (OpenAPI 3.1) and docs/asyncapi.yaml (AsyncAPI 3.0) are valid, every
// schema in them compiles in Ajv's strict mode, they name every route and event the source registers, and the
// checks reject deliberately broken copies (so a broken document cannot pass). The answers of the running server
// are checked against docs/openapi.yaml by every integration test (lib/openapi_check.mjs); the cases at the end
// show that checker failing on drifted answers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import SwaggerParser from '@apidevtools/swagger-parser';
import specs from '@asyncapi/specs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import yaml from 'js-yaml';

import { mint } from './lib/jwt.mjs';
import { checkAnswer, compileAll, loadOpenApi, OPENAPI_PATH } from './lib/openapi_check.mjs';
import { API, request, startServer, stopAll } from './lib/server.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ASYNCAPI_PATH = join(ROOT, 'docs/asyncapi.yaml');
const openapiText = readFileSync(OPENAPI_PATH, 'utf8');
const asyncapiText = readFileSync(ASYNCAPI_PATH, 'utf8');
const clone = (v) => structuredClone(v);

let dir;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-apidocs-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await stopAll();
});

// --- OpenAPI ---------------------------------------------------------------------------------------------------

/**
 * The rules swagger-parser checks for OAS 3.0 but not for 3.1, and this project's: every operation answers at least
 * one 2xx, every path template parameter is declared as a path parameter and every declared one is in the template.
 */
function lintOpenApi(doc) {
  const deref = (o) => (o?.$ref ? deref(doc.components.parameters[o.$ref.split('/').pop()]) : o);
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'].includes(method)) continue;
      const where = `${method.toUpperCase()} ${path}`;
      assert.ok(op.responses && Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)), `${where}: no 2xx answer`);
      const declared = [...(item.parameters ?? []), ...(op.parameters ?? [])]
        .map(deref)
        .filter((p) => p?.in === 'path')
        .map((p) => p.name)
        .sort();
      assert.deepEqual(declared, inTemplate, `${where}: the path parameters declared are not those of the template`);
    }
  }
}

/** Validates an OpenAPI document (an object): swagger-parser (the OAS 3.1 schema, $refs), lintOpenApi, strict Ajv. */
async function validateOpenApi(doc, name) {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, yaml.dump(doc));
  await SwaggerParser.validate(file);
  lintOpenApi(doc);
  const api = loadOpenApi(yaml.dump(doc));
  return compileAll(api);
}

describe('docs/openapi.yaml', () => {
  const doc = yaml.load(openapiText);

  it('is a valid OpenAPI 3.1 document whose schemas all compile (Ajv 2020-12, strict)', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const compiled = await validateOpenApi(doc, 'openapi');
    assert.ok(compiled > 50, `only ${compiled} schemas compiled`);
  });

  it('names every route the server registers', () => {
    const sources = ['src/http/request_handler.cpp'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    const routes = [...sources.matchAll(/router_\.add\(verb::(\w+),\s*"([^"]+)"/g)].map(([, verb, path]) => ({
      method: verb,
      path: path.replace(/:(\w+)/g, '{$1}'),
    }));
    assert.ok(routes.length >= 8, `found only ${routes.length} routes in the source`);
    for (const { method, path } of routes) {
      assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is not documented`);
    }
    for (const path of ['/healthz', '/readyz', '/api/dev/token']) {
      assert.ok(doc.paths[path], `${path} is not documented`);
    }
  });

  it('gives every operation its error answers, a unique operationId and, for the API, the bearer scheme', () => {
    const ids = new Set();
    for (const [path, item] of Object.entries(doc.paths)) {
      assert.ok(item['x-other-methods'], `${path}: x-other-methods missing`);
      for (const [method, op] of Object.entries(item)) {
        if (method.startsWith('x-') || method === 'parameters') continue;
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(op.operationId && !ids.has(op.operationId), `${where}: operationId missing or repeated`);
        ids.add(op.operationId);
        if (!path.startsWith('/api/video-call/')) continue;
        assert.equal(op.security, undefined, `${where} must use the global bearer security`);
        for (const status of ['401', '413', '415', '429', '500', '503']) {
          assert.ok(op.responses[status], `${where}: ${status} missing`);
        }
        if (op.requestBody?.required || op.parameters?.some((p) => p.in === 'query')) {
          assert.ok(op.responses['400'], `${where}: 400 missing`);
        }
      }
    }
    assert.deepEqual(doc.security, [{ bearerAuth: [] }]);
  });

  describe('rejects a broken copy', () => {
    const broken = {
      'an operation without responses': [
        (d) => {
          delete d.paths['/api/video-call/history'].get.responses;
        },
        /no 2xx answer/,
      ],
      'a response without a description': [
        (d) => {
          delete d.paths['/healthz'].get.responses['200'].description;
        },
        /schema validation failed/,
      ],
      'a $ref that resolves to nothing': [
        (d) => {
          d.paths['/api/video-call/history'].get.responses['200'].content['application/json'].schema.allOf[0].$ref =
            '#/components/schemas/NoSuchSchema';
        },
        /Missing \$ref pointer/,
      ],
      'a misspelt schema keyword': [
        (d) => {
          d.components.schemas.SessionDocument.requried = ['sessionId'];
        },
        /unknown keyword: "requried"/,
      ],
      'a wrong type name': [
        (d) => {
          d.components.schemas.Participant.properties.isActive.type = 'bool';
        },
        /isActive\/type must be/,
      ],
      'an unknown field in an operation': [
        (d) => {
          d.paths['/readyz'].get.response = {};
        },
        /schema validation failed/,
      ],
      'a path parameter that is not declared': [
        (d) => {
          delete d.paths['/api/video-call/session/{sessionId}'].parameters;
        },
        /path parameters declared/,
      ],
    };
    for (const [what, [breakIt, why]] of Object.entries(broken)) {
      it(what, async () => {
        const d = clone(doc);
        breakIt(d);
        await assert.rejects(validateOpenApi(d, 'broken'), why, `a document with ${what} was accepted`);
      });
    }
  });
});

// --- AsyncAPI --------------------------------------------------------------------------------------------------

// The AsyncAPI 3.0.0 JSON Schema of @asyncapi/specs (the one @asyncapi/parser validates with), without the JSON
// Schema meta-schemas it bundles (Ajv has them already), compiled as the parser does (not strict).
const asyncapiSchema = (() => {
  const s = clone(specs.schemas['3.0.0']);
  delete s.definitions['http://json-schema.org/draft-07/schema'];
  delete s.definitions['http://json-schema.org/draft-04/schema'];
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return { validate: ajv.compile(s), ajv };
})();

/** The object a chain of $refs leads to. */
function follow(doc, ref) {
  let node = resolveLocal(doc, ref);
  for (let i = 0; node.$ref && i < 10; ++i) node = resolveLocal(doc, node.$ref);
  return node;
}

function resolveLocal(doc, ref) {
  assert.ok(typeof ref === 'string' && ref.startsWith('#/'), `only local $refs: ${ref}`);
  let node = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    assert.ok(node && typeof node === 'object' && Object.hasOwn(node, key), `$ref ${ref} does not resolve`);
    node = node[key];
  }
  return node;
}

/** Every $ref in `node`, with where it is. */
function* refsOf(node, at = '#') {
  if (Array.isArray(node)) {
    for (const [i, v] of node.entries()) yield* refsOf(v, `${at}/${i}`);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref') yield { ref: v, at };
      else yield* refsOf(v, `${at}/${k}`);
    }
  }
}

/**
 * Validates an AsyncAPI 3.0 document (an object): the AsyncAPI JSON Schema, every $ref resolving, the rules of the
 * AsyncAPI 3 core ruleset that matter here (an operation's channel is a root channel, its messages and its reply's
 * messages are messages of that channel; channel addresses have no query or fragment), and every message payload
 * compiling as a JSON Schema draft-07 in Ajv's strict mode. Throws on the first problem.
 */
function validateAsyncApi(doc) {
  assert.equal(doc.asyncapi, '3.0.0');
  const { validate, ajv } = asyncapiSchema;
  assert.ok(validate(doc), `not an AsyncAPI 3.0.0 document: ${ajv.errorsText(validate.errors)}`);
  for (const { ref, at } of refsOf(doc)) {
    try {
      resolveLocal(doc, ref);
    } catch (e) {
      throw new Error(`${at}: ${e.message}`);
    }
  }
  for (const [name, channel] of Object.entries(doc.channels ?? {})) {
    assert.ok(!/[?#]/.test(channel.address ?? ''), `channel ${name}: the address has a query or fragment`);
  }
  const channelMessageRefs = (channelRef, where) => {
    assert.match(channelRef, /^#\/channels\/[^/]+$/, `${where}: the channel must be a root channel`);
    const channel = resolveLocal(doc, channelRef);
    return new Set(Object.keys(channel.messages ?? {}).map((m) => `${channelRef}/messages/${m}`));
  };
  for (const [name, op] of Object.entries(doc.operations ?? {})) {
    const allowed = channelMessageRefs(op.channel.$ref, `operation ${name}`);
    for (const m of op.messages ?? []) {
      assert.ok(allowed.has(m.$ref), `operation ${name}: ${m.$ref} is not a message of its channel`);
    }
    if (op.reply) {
      const replyChannel = op.reply.channel?.$ref;
      const replyAllowed = replyChannel ? channelMessageRefs(replyChannel, `operation ${name} reply`) : allowed;
      for (const m of op.reply.messages ?? []) {
        assert.ok(replyAllowed.has(m.$ref), `operation ${name}: reply ${m.$ref} is not a message of its channel`);
      }
    }
  }
  // Payloads: JSON Schema draft-07 (the AsyncAPI schema format is a superset), strict, with the components in reach.
  const strict = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  addFormats(strict);
  const root = 'https://hearth-call.invalid/asyncapi-components.json';
  const rooted = (schema) =>
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${root}#/definitions/`));
  strict.addSchema({ $id: root, definitions: rooted(doc.components?.schemas ?? {}) });
  const validators = new Map();
  for (const [name, message] of Object.entries(doc.components?.messages ?? {})) {
    assert.ok(message.name, `message ${name} has no name (the Socket.IO event name)`);
    validators.set(name, strict.compile(rooted(message.payload ?? {})));
  }
  return validators;
}

describe('docs/asyncapi.yaml', () => {
  const doc = yaml.load(asyncapiText);

  it('is a valid AsyncAPI 3.0 document whose payload schemas all compile', () => {
    const validators = validateAsyncApi(doc);
    assert.ok(validators.size >= 30, `only ${validators.size} messages`);
  });

  it('names every client event the server handles, and every error code it sends', () => {
    const service = ['event_context.hpp', 'service.cpp', 'cross_node.cpp', 'call_controls.cpp', 'breakout.cpp']
      .map((f) => readFileSync(join(ROOT, 'src/signaling', f), 'utf8')).join('\n');
    const known = /kKnown\[\]\s*=\s*\{([^}]*)\}/.exec(service);
    assert.ok(known, 'the list of known events was not found in src/signaling/event_context.hpp');
    const events = [...known[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
    assert.ok(events.length >= 9, `found only ${events.length} events`);
    const namesOf = (action) =>
      new Set(
        Object.values(doc.operations)
          .filter((op) => op.action === action)
          .flatMap((op) => op.messages.map((m) => follow(doc, m.$ref).name)),
      );
    const received = namesOf('receive');
    for (const e of events) assert.ok(received.has(e), `client event ${e} is not documented as a receive operation`);

    const sent = namesOf('send');
    const emitted = [...service.matchAll(/(?:emit|packet)\("([a-z_]+)"/g)].map((m) => m[1]);
    assert.ok(emitted.length >= 10, `found only ${emitted.length} emitted events`);
    for (const e of emitted) assert.ok(sent.has(e), `server event ${e} is not documented as a send operation`);

    const errors = readFileSync(join(ROOT, 'src/signaling/errors.cpp'), 'utf8');
    const codes = new Set([...errors.matchAll(/return "([a-z_]+)";/g)].map((m) => m[1]));
    assert.ok(codes.size >= 10);
    const documented = new Set(doc.components.schemas.CallErrorCode.enum);
    for (const c of codes) assert.ok(documented.has(c), `error code ${c} is not in CallErrorCode`);
    assert.ok(documented.has('replaced'));
  });

  it('describes real payloads, and refuses drifted ones', () => {
    const v = validateAsyncApi(doc);
    const joined = {
      sessionId: 'call_1795600429338_zvb4n2o85',
      sessionType: 'group',
      participants: [
        {
          userId: 'alice', name: 'Alice', socketId: '0-2q6pkyuytr7nyni822fd', peerId: 'peer-alice', hasVideo: true,
          hasAudio: true, isScreenSharing: false, joinedAt: '2026-11-25T11:29:04.309Z', reconnecting: true,
        },
      ],
      callSettings: { isVideoEnabled: true, isAudioEnabled: true, isRecordingEnabled: false, allowScreenShare: true },
      iceServers: [{ urls: ['stun:stun.l.google.com:19302'] }],
    };
    assert.ok(v.get('call_session_joined')(joined));
    const onNode = structuredClone(joined);
    onNode.participants[0].socketId = 'n2.1-2q6pkyuytr7nyni822fd'; // a cluster's: node, shard, random part
    assert.ok(v.get('call_session_joined')(onNode));
    onNode.participants[0].socketId = '2q6pkyuytr7nyni822fd';
    assert.ok(!v.get('call_session_joined')(onNode), 'a socket id without its shard accepted');
    assert.ok(v.get('join_call_session.ack')({ success: true, message: 'Joined call session', data: joined }));
    const full = { success: false, message: 'Call session is full', code: 'session_full' };
    assert.ok(v.get('join_call_session.ack')(full));
    assert.ok(!v.get('join_call_session.ack')({ success: false, message: 'x', code: 'full' }), 'unknown code accepted');
    assert.ok(!v.get('call_session_joined')({ ...joined, extra: 1 }), 'an extra field accepted');
    const noName = structuredClone(joined);
    delete noName.participants[0].name;
    assert.ok(!v.get('call_session_joined')(noName), 'a participant without name accepted');
    assert.ok(v.get('call_ended')({ sessionId: joined.sessionId, endedBy: null, reason: 'all_left', duration: 312 }));
    assert.ok(!v.get('call_ended')({ sessionId: joined.sessionId, endedBy: null, reason: 'none', duration: 312 }));
    assert.ok(v.get('authenticate')('eyJ.a.b') && v.get('authenticate')({ token: 't' }) && !v.get('authenticate')(42));
  });

  describe('rejects a broken copy', () => {
    const broken = {
      'an operation without action': [
        (d) => {
          delete d.operations.join_call_session.action;
        },
        /must have required property 'action'/,
      ],
      'an unknown action': [
        (d) => {
          d.operations.call_ended.action = 'publish';
        },
        /action must be equal to one of the allowed values/,
      ],
      'a $ref that resolves to nothing': [
        (d) => {
          d.channels.signaling.messages.call_ended.$ref = '#/components/messages/no_such_message';
        },
        /no_such_message does not resolve/,
      ],
      'an operation message that is not in its channel': [
        (d) => {
          d.operations.call_declined.messages[0].$ref = '#/components/messages/call_declined';
        },
        /is not a message of its channel/,
      ],
      'a reply message that is not in its channel': [
        (d) => {
          d.operations.decline_call.reply.messages[0].$ref = '#/channels/signaling/messages/nope.ack';
        },
        /nope.ack does not resolve/,
      ],
      'a misspelt payload keyword': [
        (d) => {
          d.components.schemas.User.requierd = ['userId'];
        },
        /unknown keyword: "requierd"/,
      ],
      'a channel without its messages map but a stray field': [
        (d) => {
          d.channels.signaling.adress = '/';
        },
        /must NOT have additional properties/,
      ],
      'a 2.x field': [
        (d) => {
          d.channels.signaling.subscribe = { message: {} };
        },
        /must NOT have additional properties/,
      ],
    };
    for (const [what, [breakIt, why]] of Object.entries(broken)) {
      it(what, () => {
        const d = clone(doc);
        breakIt(d);
        assert.throws(() => validateAsyncApi(d), why, `a document with ${what} was accepted`);
      });
    }
  });
});

// --- the answer checker ----------------------------------------------------------------------------------------

describe('the answer checker (lib/openapi_check.mjs)', () => {
  const api = loadOpenApi(openapiText);
  const json = (status, body, headers = {}) => ({
    status,
    headers: new Headers({ 'content-type': 'application/json; charset=utf-8', ...headers }),
    text: JSON.stringify(body),
  });
  const participant = (userId, active) => ({
    userId, name: userId, socketId: active ? 'q7rzt1m0vbn2ck8slw4d' : null, peerId: active ? 'p' : null,
    joinedAt: active ? '2026-11-25T09:54:03.870Z' : null, leftAt: null, isActive: active, hasVideo: true,
    hasAudio: true, isScreenSharing: false,
  });
  const session = {
    sessionId: 'call_1795600429338_zvb4n2o85', sessionType: 'one-to-one', initiatorId: 'alice', invitedUsers: ['bob'],
    participants: [participant('alice', true), participant('bob', false)], maxParticipants: 2, status: 'waiting',
    createdAt: '2026-11-25T09:53:49.338Z', startTime: null, endTime: null, duration: 0, endReason: null,
    endedBy: null,
    callSettings: { isVideoEnabled: true, isAudioEnabled: true, isRecordingEnabled: false, allowScreenShare: true },
    usage: { screenShared: false, videoTurnedOff: false }, therapySessionId: null,
    metadata: { title: '', description: '', tags: [] },
  };
  const ok = (data, message = 'Call session retrieved') => json(200, { success: true, message, data });
  const path = `/api/video-call/session/${session.sessionId}`;

  it('accepts documented answers', () => {
    checkAnswer(api, 'GET', path, ok({ session }));
    checkAnswer(api, 'GET', path, json(404, { success: false, message: 'Call session not found' }));
    const slowDown = { success: false, message: 'Too many requests, slow down' };
    checkAnswer(api, 'GET', path, json(429, slowDown, { 'retry-after': '3' }));
    checkAnswer(api, 'DELETE', path, json(405, { success: false, message: 'Method not allowed' }, { allow: 'GET' }));
    checkAnswer(api, 'GET', '/api/video-call/nope', json(404, { success: false, message: 'Route not found' }));
    const preflight = { 'Access-Control-Request-Method': 'GET' };
    checkAnswer(api, 'OPTIONS', path, { status: 403, headers: new Headers(), text: '' }, preflight);
    const polling = { status: 200, headers: new Headers(), text: '0{}' };
    checkAnswer(api, 'GET', '/socket.io/?EIO=4&transport=polling', polling);
  });

  const drifted = {
    'an extra field in the session document': () => ok({ session: { ...session, recording: null } }),
    'a missing field in the session document': () => {
      const { endedBy, ...rest } = session;
      return ok({ session: rest });
    },
    'a wrong type': () => ok({ session: { ...session, duration: '0' } }),
    'an unknown status value': () => ok({ session: { ...session, status: 'ringing' } }),
    'a timestamp in another format': () => ok({ session: { ...session, createdAt: '2026-11-25 09:53:49' } }),
    'another message': () => ok({ session }, 'Session retrieved'),
    'an undocumented status': () => json(418, { success: false, message: 'teapot' }),
    'a 429 without Retry-After': () => json(429, { success: false, message: 'Too many requests, slow down' }),
    'an error envelope with an extra field': () =>
      json(404, { success: false, message: 'Call session not found', code: 1 }),
    'a text answer where JSON is documented': () =>
      ({ status: 404, headers: new Headers({ 'content-type': 'text/plain' }), text: 'no' }),
  };
  for (const [what, answer] of Object.entries(drifted)) {
    it(`fails on ${what}`, () => {
      assert.throws(() => checkAnswer(api, 'GET', path, answer()), assert.AssertionError);
    });
  }

  it('fails on a wrong status for an undocumented method or an unknown path', () => {
    assert.throws(() => checkAnswer(api, 'PATCH', path, json(404, { success: false, message: 'Route not found' })));
    const notAllowed = json(405, { success: false, message: 'Method not allowed' }, { allow: 'GET' });
    assert.throws(() => checkAnswer(api, 'GET', '/nope', notAllowed));
    assert.throws(() =>
      checkAnswer(api, 'OPTIONS', path, { status: 403, headers: new Headers(), text: 'x' }, {
        'access-control-request-method': 'GET',
      }),
    );
  });
});

// --- the running server ----------------------------------------------------------------------------------------

// The paths the other integration tests travel less (the development token, ICE servers, metrics, CORS, health,
// HEAD), in development mode (with the `error` detail). request() checks every answer against docs/openapi.yaml;
// the statuses are asserted here as well, so each answer is known to be the documented case it stands for.
describe('the running server answers as documented', () => {
  const secret = `apidocs-${Date.now()}-0123456789abcdef`;
  let dev;
  let fenced;
  before(async () => {
    dev = await startServer({ secret, env: { HEARTH_ENV: 'development', CORS_ORIGINS: 'https://app.example' } });
    fenced = await startServer({ secret, env: { METRICS_ALLOW: '192.0.2.0/24' } });
  });

  it('the development token endpoint', async () => {
    const res = await request(dev, 'POST', '/api/dev/token', { json: { userId: 'alice', name: 'Alice' } });
    assert.equal(res.status, 201);
    assert.equal(res.body.data.userId, 'alice');
    assert.equal((await request(dev, 'POST', '/api/dev/token', { json: {} })).status, 400);
    assert.equal((await request(dev, 'GET', '/api/dev/token')).status, 405);
    const text = await request(dev, 'POST', '/api/dev/token', { body: 'x', headers: { 'content-type': 'text/plain' } });
    assert.equal(text.status, 415);
    assert.equal((await request(fenced, 'POST', '/api/dev/token', { json: { userId: 'x' } })).status, 404);
  });

  it('a call from start to end, analytics, ICE servers and the errors on the way', async () => {
    const alice = mint({ sub: 'alice', name: 'Alice' }, secret);
    const bob = mint({ sub: 'bob', name: 'Bob' }, secret);
    const admin = mint({ sub: 'ops', role: 'admin' }, secret);
    const created = await request(dev, 'POST', `${API}/initiate`, {
      token: alice,
      json: { sessionType: 'group', participants: ['bob', 'carol'], metadata: { title: 'Ünïcödé', tags: ['a'] } },
    });
    assert.equal(created.status, 201);
    const id = created.body.data.sessionId;
    const statuses = [];
    for (const [method, path, opts] of [
      ['POST', `${API}/join/${id}`, { token: bob }],
      ['GET', `${API}/session/${id}`, { token: bob }],
      ['PUT', `${API}/session/${id}/media`, { token: bob, json: { isScreenSharing: true } }],
      ['PUT', `${API}/session/${id}/media`, { token: bob, json: { hasVideo: null } }],
      ['POST', `${API}/session/${id}/end`, { token: bob }],
      ['POST', `${API}/session/${id}/end`, { token: alice }],
      ['POST', `${API}/session/${id}/end`, { token: alice }],
      ['POST', `${API}/join/${id}`, { token: bob }],
      ['GET', `${API}/session/${id}/quality`, { token: alice }],
      ['GET', `${API}/session/call_0000000000000_000000000`, { token: alice }],
      ['GET', `${API}/history?status=ended&limit=5`, { token: alice }],
      ['GET', `${API}/history?limit=500`, { token: alice }],
      ['GET', `${API}/analytics?granularity=hour&from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z`, { token: admin }],
      ['GET', `${API}/analytics`, { token: alice }],
      ['GET', `${API}/ice-servers`, { token: alice }],
      ['GET', `${API}/ice-servers`, { token: 'not.a.token' }],
      ['DELETE', `${API}/session/${id}`, { token: alice }],
    ]) {
      statuses.push((await request(dev, method, path, opts)).status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 400, 403, 200, 200, 410, 200, 404, 200, 400, 200, 403, 200, 401, 405]);
  });

  it('health checks, metrics, CORS and unknown routes', async () => {
    const statuses = [];
    for (const [server, method, path, headers] of [
      [dev, 'GET', '/healthz'],
      [dev, 'GET', '/readyz'],
      [dev, 'POST', '/healthz'],
      [dev, 'GET', '/metrics'],
      [dev, 'HEAD', '/metrics'],
      [dev, 'POST', '/metrics'],
      [fenced, 'GET', '/metrics'],
      [dev, 'OPTIONS', `${API}/initiate`, { origin: 'https://app.example', 'access-control-request-method': 'POST' }],
      [dev, 'OPTIONS', `${API}/initiate`, { origin: 'https://evil.example', 'access-control-request-method': 'POST' }],
      [dev, 'OPTIONS', `${API}/history`],
      [dev, 'GET', '/api/video-call/nope'],
    ]) {
      statuses.push((await request(server, method, path, { headers })).status);
    }
    assert.deepEqual(statuses, [200, 200, 404, 200, 200, 405, 403, 204, 403, 405, 404]);
  });
});

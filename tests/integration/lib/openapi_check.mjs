// Checks REST answers against docs/openapi.yaml, so the document cannot drift from the server unseen: every answer
// the integration (and e2e) tests receive through lib/server.mjs request() goes through checkAnswer().
//
// The rules, all read from the document:
//   - a path matching a path template with a documented method: the status must be one of the operation's
//     responses (or of `x-transport-errors`, which any request may get), its body must match the response's schema
//     for the answer's media type (an empty body for a response without content), and its required headers must be
//     present and match;
//   - a documented path with another method: one of the path item's `x-other-methods`;
//   - a CORS preflight (OPTIONS with Access-Control-Request-Method), on any path: one of `x-cors-preflight`;
//   - a path in `x-outside-this-document` (Socket.IO) is not checked, nor a web client file (GET/HEAD to an
//     undocumented path answered with an ETag);
//   - any other path: one of `x-other-paths` (404 Route not found).
// A violation throws an AssertionError naming the request, the answer and what did not match.
//
// Opt out for one process with HEARTH_OPENAPI_CHECK=0 (e.g. to see a server bug's own assertion first).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import yaml from 'js-yaml';

export const OPENAPI_PATH = fileURLToPath(new URL('../../../docs/openapi.yaml', import.meta.url));

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The JSON value at `pointer` ("#/a/b") in `doc`; throws if it does not resolve. */
function resolvePointer(doc, pointer) {
  assert.ok(pointer.startsWith('#/'), `only local $refs are supported: ${pointer}`);
  let node = doc;
  for (const raw of pointer.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    assert.ok(node && typeof node === 'object' && key in node, `$ref ${pointer} does not resolve`);
    node = node[key];
  }
  return node;
}

/** A response, parameter or header object with its $ref (if any) followed. */
function deref(doc, obj) {
  let o = obj;
  for (let i = 0; o && o.$ref && i < 10; ++i) o = resolvePointer(doc, o.$ref);
  return o;
}

function templateRegExp(template) {
  const names = [];
  const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  return { re: new RegExp(`^${source}$`), names };
}

/**
 * Compiles the document: one Ajv 2020-12 validator (OAS 3.1's dialect), strict, with the document's components
 * registered under its own URI so `#/components/...` references resolve. Throws if a schema does not compile.
 */
export function loadOpenApi(text = readFileSync(OPENAPI_PATH, 'utf8')) {
  const doc = yaml.load(text);
  // inlineRefs off: each component is compiled once and shared by every validator that references it.
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictRequired: false,
    strictTypes: false,
    inlineRefs: false,
  });
  addFormats(ajv);
  // The document's schemas, registered as the $defs of one schema, and every "#/components/schemas/X" pointed there.
  const root = 'https://hearth-call.invalid/openapi-components.json';
  ajv.addSchema({ $id: root, $defs: rewriteRefs(doc.components?.schemas ?? {}, root) });
  // One validator per schema object: a response shared through $ref is compiled once.
  const validators = new WeakMap();
  let compiled = 0;
  const validatorFor = (where, schema) => {
    if (!validators.has(schema)) {
      try {
        validators.set(schema, ajv.compile({ $id: `${root}-${++compiled}`, ...rewriteRefs(schema, root) }));
      } catch (e) {
        e.message = `${where}: ${e.message}`;
        throw e;
      }
    }
    return validators.get(schema);
  };
  const paths = Object.entries(doc.paths ?? {}).map(([template, item]) => ({
    template,
    item,
    ...templateRegExp(template),
  }));
  return { doc, ajv, paths, validatorFor };
}

// "#/components/schemas/X" → "<root>#/$defs/X", so a schema compiled on its own still finds the components.
const SCHEMA_REF = '#/components/schemas/';
function rewriteRefs(schema, root) {
  if (Array.isArray(schema)) return schema.map((s) => rewriteRefs(s, root));
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === '$ref') {
      assert.ok(typeof v === 'string' && v.startsWith(SCHEMA_REF), `a schema $ref must point into ${SCHEMA_REF}: ${v}`);
      out[k] = `${root}#/$defs/${v.slice(SCHEMA_REF.length)}`;
    } else {
      out[k] = rewriteRefs(v, root);
    }
  }
  return out;
}

/**
 * Compiles the schemas of every answer (and with `everything`, of every component, parameter and request body too:
 * a check of the document itself). Returns how many schemas were compiled.
 */
export function compileAll(api, { everything = true } = {}) {
  const { doc } = api;
  const seen = new Set();
  const compile = (where, schema) => {
    if (schema === undefined || seen.has(schema)) return;
    seen.add(schema);
    api.validatorFor(where, schema);
  };
  if (everything) {
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) compile(`schema ${name}`, schema);
  }
  const responsesOf = (where, responses) => {
    for (const [status, r] of Object.entries(responses ?? {})) {
      const response = deref(doc, r);
      for (const [type, media] of Object.entries(response.content ?? {})) {
        compile(`${where} ${status} ${type}`, media.schema);
      }
      for (const [h, header] of Object.entries(response.headers ?? {})) {
        compile(`${where} ${status} header ${h}`, deref(doc, header).schema);
      }
    }
  };
  for (const { template, item } of api.paths) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const where = `${method.toUpperCase()} ${template}`;
      if (everything) {
        for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
          compile(`${where} param`, deref(doc, p).schema);
        }
        for (const [type, media] of Object.entries(deref(doc, op.requestBody)?.content ?? {})) {
          compile(`${where} body ${type}`, media.schema);
        }
      }
      responsesOf(where, op.responses);
    }
    responsesOf(`other methods of ${template}`, item['x-other-methods']);
  }
  for (const key of ['x-other-paths', 'x-transport-errors', 'x-cors-preflight']) responsesOf(key, doc[key]);
  return seen.size;
}

function headerValue(headers, name) {
  if (!headers) return null;
  if (typeof headers.get === 'function') return headers.get(name);
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : headers[key];
}

function describeAnswer(method, path, answer) {
  return `${method} ${path} → HTTP ${answer.status}: ${String(answer.text ?? '').slice(0, 400)}`;
}

function checkAgainst(api, where, response, method, path, answer) {
  const what = `${describeAnswer(method, path, answer)}\n  (docs/openapi.yaml: ${where})`;
  const { doc } = api;
  for (const [name, h] of Object.entries(response.headers ?? {})) {
    const header = deref(doc, h);
    const value = headerValue(answer.headers, name);
    if (value === null) {
      assert.ok(!header.required, `answer lacks the required header ${name}: ${what}`);
      continue;
    }
    if (header.schema) {
      const validate = api.validatorFor(`${where} header ${name}`, header.schema);
      if (!validate(value)) {
        assert.fail(`header ${name}: ${JSON.stringify(value)} ${api.ajv.errorsText(validate.errors)}: ${what}`);
      }
    }
  }
  if (method.toUpperCase() === 'HEAD') return;  // no body to check
  const content = response.content;
  const text = answer.text ?? '';
  if (!content) {
    assert.equal(text, '', `the documented answer has no body, but one came: ${what}`);
    return;
  }
  const type = (headerValue(answer.headers, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
  const media = content[type];
  const documented = Object.keys(content).join(', ');
  assert.ok(media, `content type "${type}" is not documented (documented: ${documented}): ${what}`);
  if (!media.schema) return;
  let body = text;
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      body = JSON.parse(text);
    } catch {
      assert.fail(`the body is not JSON: ${what}`);
    }
  }
  const validate = api.validatorFor(`${where} ${type}`, media.schema);
  if (!validate(body)) {
    const why = api.ajv.errorsText(validate.errors, { separator: '\n  ' });
    assert.fail(`the answer does not match its schema:\n  ${why}\n${what}`);
  }
}

/** Which part of the document `method` `path` falls under: {kind, template?, responses}. */
export function lookup(api, method, path, requestHeaders = {}) {
  const m = method.toLowerCase();
  const pathOnly = path.split('?')[0];
  if (m === 'options' && headerValue(requestHeaders, 'access-control-request-method') !== null)
    return { kind: 'cors-preflight', where: 'x-cors-preflight', responses: api.doc['x-cors-preflight'] };
  for (const prefix of api.doc['x-outside-this-document']?.pathPrefixes ?? [])
    if (pathOnly.startsWith(prefix)) return { kind: 'outside' };
  const match = api.paths.find((p) => p.re.test(pathOnly));
  if (!match) return { kind: 'other-path', where: 'x-other-paths', responses: api.doc['x-other-paths'] };
  const op = match.item[m];
  if (!op) {
    const responses = match.item['x-other-methods'];
    return { kind: 'other-method', where: `x-other-methods of ${match.template}`, responses };
  }
  return { kind: 'operation', where: `${method.toUpperCase()} ${match.template}`, responses: op.responses };
}

/**
 * Asserts that `answer` ({status, headers, text}) to `method` `path` is what docs/openapi.yaml documents.
 * `requestHeaders` tells a CORS preflight from a plain OPTIONS.
 */
export function checkAnswer(api, method, path, answer, requestHeaders = {}) {
  const found = lookup(api, method, path, requestHeaders);
  if (found.kind === 'outside') return;
  const m = method.toUpperCase();
  // The web client's files: served to GET/HEAD on paths the API does not use, always with an ETag.
  const etag = headerValue(answer.headers, 'etag') !== null;
  if (found.kind === 'other-path' && (m === 'GET' || m === 'HEAD') && etag) return;
  const status = String(answer.status);
  let response = found.responses?.[status];
  let where = `${found.where} ${status}`;
  if (!response && found.kind !== 'cors-preflight') {
    response = api.doc['x-transport-errors']?.[status];
    where = `x-transport-errors ${status}`;
  }
  assert.ok(
    response,
    `undocumented answer: status ${status} is not in ${found.where} ` +
      `(documented: ${Object.keys(found.responses ?? {}).join(', ') || 'none'}): ` +
      describeAnswer(method, path, answer),
  );
  checkAgainst(api, where, deref(api.doc, response), method, path, answer);
}

let shared;
/**
 * The checker of request(): docs/openapi.yaml with every answer schema compiled, once per process (about a
 * second, spent before the first request is sent rather than while a test waits for answers); null when
 * HEARTH_OPENAPI_CHECK=0.
 */
export function defaultChecker() {
  if (process.env.HEARTH_OPENAPI_CHECK === '0') return null;
  if (!shared) {
    shared = loadOpenApi();
    compileAll(shared, { everything: false });
  }
  return shared;
}

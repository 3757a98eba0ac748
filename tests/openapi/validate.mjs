// Checks docs/openapi.yaml in two ways:
//  1. the document itself, with @apidevtools/swagger-parser (OpenAPI 3.1 schema + $refs);
//  2. live responses: every file recorded by tests/integration/api_e2e_test.cpp and
//     custom_reports_test.cpp (api_harness.h RecordResponse: one JSON
//     object per response: method, target, status, content_type, headers, body) must match
//     the operation of its path and method: a documented status, a documented media type, a
//     body valid against that media type's schema (Ajv, JSON Schema 2020-12 as OpenAPI 3.1
//     uses), the headers the response declares required present and valid, and, for 2xx
//     answers, only query parameters the operation declares, with valid values.
//
// The recordings are read from $VECTON_RECORD_DIR, else $VECTON_BUILD_DIR/openapi-responses
// (scripts/test.sh exports VECTON_BUILD_DIR and runs this after ctest). With neither set only
// the document is checked. A set but empty directory is a failure: the recording test did not
// run, so nothing was compared.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const specPath = path.resolve(here, '../../docs/openapi.yaml');
const started = Date.now();
const failures = [];

// ---- 1. the document ---------------------------------------------------------------------
let api;
try {
  // validate() dereferences a copy; the original stays untouched for a second parse.
  api = await SwaggerParser.validate(specPath);
} catch (e) {
  console.error(`openapi: ${path.relative(process.cwd(), specPath)} is not a valid OpenAPI document:\n${e.message}`);
  process.exit(1);
}
const operations = [];
for (const [p, item] of Object.entries(api.paths ?? {})) {
  for (const method of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']) {
    if (item[method]) operations.push({ path: p, method, op: item[method], item });
  }
}
console.log(`openapi: ${api.openapi} document valid: ${operations.length} operations (${api.info.title} ${api.info.version})`);

// ---- 2. recorded responses ---------------------------------------------------------------
const recordDir = process.env.VECTON_RECORD_DIR ||
  (process.env.VECTON_BUILD_DIR ? path.join(process.env.VECTON_BUILD_DIR, 'openapi-responses') : '');
if (!recordDir) {
  console.log('openapi: no VECTON_RECORD_DIR or VECTON_BUILD_DIR: recorded responses not checked');
  process.exit(0);
}
const files = fs.existsSync(recordDir)
  ? fs.readdirSync(recordDir).filter((f) => f.endsWith('.json')).sort()
  : [];
if (files.length === 0) {
  console.error(`openapi: no recorded responses in ${recordDir} (did api_e2e_test and custom_reports_test run?)`);
  process.exit(1);
}

// strictTypes off: OpenAPI documents customarily put `properties` in allOf branches without `type`.
const ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true, validateFormats: true });
// OpenAPI annotations that are not JSON Schema keywords.
ajv.addVocabulary(['example', 'xml', 'externalDocs', 'discriminator']);
const isDate = (s) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
};
ajv.addFormat('date', { type: 'string', validate: isDate });
// RFC 3339: an offset is required.
ajv.addFormat('date-time', {
  type: 'string',
  validate: (s) => {
    const m = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i.exec(s);
    return m !== null && isDate(m[1]);
  },
});
ajv.addFormat('int64', { type: 'number', validate: Number.isSafeInteger });
ajv.addFormat('int32', { type: 'number', validate: (n) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
ajv.addFormat('double', { type: 'number', validate: () => true });

const compiled = new Map();
function validatorFor(schema) {
  if (!compiled.has(schema)) compiled.set(schema, ajv.compile(schema));
  return compiled.get(schema);
}
const describe = (errors) =>
  (errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message}` +
    (e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : '')).join('; ');

// The server's base path (/api) is not part of the document's paths.
const basePath = new URL(api.servers?.[0]?.url ?? 'http://x/').pathname.replace(/\/$/, '');
const templates = operations.map((o) => ({
  ...o,
  literal: !o.path.includes('{'),
  regex: new RegExp('^' + o.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$'),
}));
function findOperation(method, p) {
  const m = method.toLowerCase();
  return templates.find((t) => t.literal && t.method === m && t.path === p) ||
    templates.find((t) => !t.literal && t.method === m && t.regex.test(p));
}

// A query value checked against a parameter schema: the text coerced as the schema's type.
function coerce(value, schema) {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

const seen = new Map();  // "METHOD path status" -> count
let checked = 0;
for (const file of files) {
  const where = `${file}`;
  let rec;
  try {
    rec = JSON.parse(fs.readFileSync(path.join(recordDir, file), 'utf8'));
  } catch (e) {
    failures.push(`${where}: unreadable recording: ${e.message}`);
    continue;
  }
  const fail = (msg) => failures.push(`${where} (${rec.method} ${rec.target} -> ${rec.status}): ${msg}`);
  const url = new URL(rec.target, 'http://recorded');
  if (!url.pathname.startsWith(basePath + '/')) { fail(`path outside ${basePath}`); continue; }
  const p = url.pathname.slice(basePath.length);
  // A method the path does not have is answered by the routing layer (405, or 413 for any
  // oversized body): those statuses are documented on the path's GET.
  let found = findOperation(rec.method, p);
  if (!found && (rec.status === 405 || rec.status === 413)) found = findOperation('GET', p);
  if (!found) { fail(`no operation ${rec.method} ${p} in the document`); continue; }
  const key = `${rec.method} ${found.path} ${rec.status}`;
  seen.set(key, (seen.get(key) ?? 0) + 1);
  ++checked;

  const responses = found.op.responses ?? {};
  const response = responses[String(rec.status)] ?? responses[`${String(rec.status)[0]}XX`] ?? responses.default;
  if (!response) { fail(`status ${rec.status} is not documented`); continue; }

  // Headers the document marks required, and the value of every documented one present.
  const headers = Object.fromEntries(Object.entries(rec.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [name, h] of Object.entries(response.headers ?? {})) {
    const value = headers[name.toLowerCase()];
    if (value === undefined) {
      if (h.required) fail(`required header ${name} missing`);
      continue;
    }
    if (h.schema && !validatorFor(h.schema)(coerce(value, h.schema))) {
      fail(`header ${name}: ${JSON.stringify(value)} ${describe(validatorFor(h.schema).errors)}`);
    }
  }

  // Body.
  const contentType = (rec.content_type ?? '').split(';')[0].trim().toLowerCase();
  const body = rec.body ?? '';
  if (!response.content) {
    if (body !== '') fail(`the document declares no body, got ${body.length} bytes`);
  } else if (body === '' && contentType === '') {
    fail('the document declares a body, got none');
  } else {
    const media = response.content[contentType];
    if (!media) {
      fail(`media type ${contentType || '(none)'} not documented (${Object.keys(response.content).join(', ')})`);
    } else if (media.schema) {
      let value = body;
      if (contentType === 'application/json' || contentType.endsWith('+json')) {
        try { value = JSON.parse(body); } catch (e) { fail(`body is not JSON: ${e.message}`); continue; }
      }
      const validate = validatorFor(media.schema);
      if (!validate(value)) fail(`body: ${describe(validate.errors)}`);
    }
  }

  // An accepted request used only documented parameters, with documented values.
  if (rec.status >= 200 && rec.status < 300) {
    const params = [...(found.item.parameters ?? []), ...(found.op.parameters ?? [])]
      .filter((x) => x.in === 'query');
    for (const [name, value] of url.searchParams) {
      const param = params.find((x) => x.name === name);
      if (!param) { fail(`query parameter ${name} is accepted but not documented`); continue; }
      if (param.schema && !validatorFor(param.schema)(coerce(value, param.schema))) {
        fail(`query parameter ${name}=${value}: ${describe(validatorFor(param.schema).errors)}`);
      }
    }
  }
}

// Coverage, for information: documented operations no recording exercised.
const untested = operations.filter((o) =>
  ![...seen.keys()].some((k) => k.startsWith(`${o.method.toUpperCase()} ${o.path} 2`)));
console.log(`openapi: ${checked} recorded responses from ${recordDir} checked, ` +
  `${seen.size} distinct (operation, status) pairs`);
if (untested.length) {
  console.log(`openapi: operations without a recorded 2xx: ${untested.map((o) => `${o.method.toUpperCase()} ${o.path}`).join(', ')}`);
}
if (failures.length) {
  console.error(`openapi: ${failures.length} mismatch(es) between the API and docs/openapi.yaml:`);
  for (const f of failures) console.error(`  ${f}`);
  process.exit(1);
}
console.log(`openapi: all checks passed in ${Date.now() - started} ms`);

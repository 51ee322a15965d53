import fc from 'fast-check';

/** The subset of JSON Schema (2020-12, as OpenAPI 3.1 embeds it) that zod-to-openapi emits. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

export interface OpenApiParameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

export interface OpenApiOperation {
  method: string;
  path: string;
  parameters: OpenApiParameter[];
  body: JsonSchema | undefined;
  secured: boolean;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: OpenApiParameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> }; security?: unknown[] }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** Every operation of the document, with its JSON body schema when it takes one. */
export function operations(doc: OpenApiDocument): OpenApiOperation[] {
  const out: OpenApiOperation[] = [];
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      out.push({
        method: method.toUpperCase(),
        path: p,
        parameters: op.parameters ?? [],
        body: op.requestBody?.content?.['application/json']?.schema,
        secured: (op.security ?? []).length > 0,
      });
    }
  }
  return out;
}

/**
 * Strings that have broken other people's servers: SQL injection, path
 * traversal, format strings, template and prototype tricks, and the unicode
 * that trips encoders (NUL, lone surrogates, BOM, bidi overrides, combining
 * marks, astral characters, overlong runs).
 */
export const HOSTILE_STRINGS = [
  `' OR '1'='1`,
  `' OR 1=1 --`,
  `'; DROP TABLE users; --`,
  `"; DROP TABLE licenses; --`,
  `1; SELECT pg_sleep(0)--`,
  `' UNION SELECT password_hash FROM users --`,
  `\\'; COMMIT; DELETE FROM activations; --`,
  `:id`,
  `$1`,
  `%`,
  `_`,
  `%_%`,
  `\\`,
  `../../../../etc/passwd`,
  `..\\..\\..\\windows\\win.ini`,
  `..%2F..%2F..%2Fetc%2Fpasswd`,
  `%2e%2e%2f%2e%2e%2fetc%2fpasswd`,
  `....//....//etc/passwd`,
  `/etc/passwd`,
  `C:\\Windows\\System32\\drivers\\etc\\hosts`,
  `\\\\server\\share\\file`,
  `file:///etc/passwd`,
  `%s%s%s%n`,
  '${7*7}',
  `{{7*7}}`,
  `<script>alert(1)</script>`,
  `__proto__`,
  `constructor`,
  `{"$gt": ""}`,
  `\u0000`,
  `a\u0000b`,
  `\ud800`,
  `a\udc00b`,
  `\ufeffBOM`,
  `\u202eevil\u202c`,
  `e\u0301\u0301\u0301\u0301`,
  `😀🎛️🎚️`,
  `𝕳𝖊𝖑𝖑𝖔`,
  `\r\nX-Injected: 1`,
  ` `,
  ``,
  `null`,
  `NaN`,
  `-1`,
  `99999999999999999999999999`,
  `x`.repeat(10_000),
  `é`.repeat(5_000),
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 4 }) },
);

/** Text that is not valid JSON (or not valid UTF-8) sent as application/json. */
export const brokenJson: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.constantFrom('{', '{"a":', '{"a":1,}', "{'a':1}", '{"a":NaN}', '{"a":undefined}', '[1,2', '{"a":1}}', '\u0000', 'nul', '{"a":"\\x41"}'),
  fc.string({ minLength: 1, maxLength: 40 }).map((s) => `{${s}`),
  fc.constantFrom(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
);

/** Valid JSON whose top level is not an object. */
export const nonObjectJson: fc.Arbitrary<string> = fc
  .oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.string({ maxLength: 20 }), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }))
  .map((v) => JSON.stringify(v));

function resolve(schema: JsonSchema, doc: OpenApiDocument): JsonSchema {
  let s = schema;
  for (let i = 0; s.$ref && i < 10; i += 1) {
    const name = s.$ref.replace('#/components/schemas/', '');
    s = doc.components?.schemas?.[name] ?? {};
  }
  return s;
}

function types(schema: JsonSchema): string[] {
  if (schema.type) return Array.isArray(schema.type) ? schema.type : [schema.type];
  if (schema.properties) return ['object'];
  if (schema.enum) return [...new Set(schema.enum.map((v) => (v === null ? 'null' : typeof v)))];
  return [];
}

function stringOf(schema: JsonSchema, hostile: boolean): fc.Arbitrary<string> {
  let plausible: fc.Arbitrary<string>;
  switch (schema.format) {
    case 'uuid':
      plausible = fc.uuid({ version: 4 });
      break;
    case 'date-time':
      plausible = fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      break;
    case 'date':
      plausible = fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
      break;
    case 'email':
      plausible = fc.stringMatching(/^[a-z]{1,10}$/).map((s) => `${s}@example.test`);
      break;
    case 'uri':
    case 'url':
      plausible = fc.constantFrom('https://example.test/', 'http://127.0.0.1/');
      break;
    default: {
      const min = schema.minLength ?? 0;
      const max = Math.max(min, Math.min(schema.maxLength ?? 40, 40));
      plausible = fc.string({ minLength: min, maxLength: max });
    }
  }
  return hostile ? fc.oneof(plausible, hostileString) : plausible;
}

/**
 * Values shaped like the schema (types, enums, formats, required keys), not
 * necessarily valid (patterns and refinements are not followed). With
 * `hostile`, string leaves are often hostile strings.
 */
export function shaped(schema: JsonSchema, doc: OpenApiDocument, hostile: boolean, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema, doc);
  if (depth > 6) return fc.constant(null);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum?.length) return hostile ? fc.oneof(fc.constantFrom(...s.enum), hostileString) : fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((a) => shaped(a, doc, hostile, depth + 1)));
  if (s.allOf?.length) return shaped(s.allOf[0]!, doc, hostile, depth + 1);
  const t = types(s);
  if (!t.length) return fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(
    ...t.map((type): fc.Arbitrary<unknown> => {
      switch (type) {
        case 'null':
          return fc.constant(null);
        case 'string':
          return stringOf(s, hostile);
        case 'integer':
          return fc.integer({ min: Math.ceil(s.minimum ?? s.exclusiveMinimum ?? -1000), max: Math.floor(s.maximum ?? s.exclusiveMaximum ?? 1_000_000) });
        case 'number':
          return fc.double({ noNaN: true, noDefaultInfinity: true, min: s.minimum ?? -1e6, max: s.maximum ?? 1e6 });
        case 'boolean':
          return fc.boolean();
        case 'array': {
          const min = s.minItems ?? 0;
          return fc.array(s.items ? shaped(s.items, doc, hostile, depth + 1) : fc.jsonValue({ maxDepth: 1 }), {
            minLength: min,
            maxLength: Math.max(min, Math.min(s.maxItems ?? 3, 3)),
          });
        }
        case 'object': {
          const props = s.properties ?? {};
          const model: Record<string, fc.Arbitrary<unknown>> = {};
          for (const [k, v] of Object.entries(props)) model[k] = shaped(v, doc, hostile, depth + 1);
          if (!Object.keys(model).length) return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
          return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in model) });
        }
        default:
          return fc.jsonValue({ maxDepth: 1 });
      }
    }),
  );
}

const ANY_VALUES: unknown[] = [0, 1.5, -7, true, false, 'x', '', [], [1], {}, { a: 1 }, null];

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Values whose JSON type the schema does not allow (none when it allows anything). */
export function wrongTypes(schema: JsonSchema, doc: OpenApiDocument): unknown[] {
  const s = resolve(schema, doc);
  const alternatives = s.anyOf ?? s.oneOf;
  const allowed = new Set(alternatives ? alternatives.flatMap((a) => types(resolve(a, doc))) : types(s));
  if (!allowed.size) return [];
  if (allowed.has('number')) allowed.add('integer');
  return ANY_VALUES.filter((v) => !allowed.has(typeOf(v)));
}

/**
 * Bodies that must be refused whatever else they hold: a required field of a
 * wrong JSON type, or an unknown key where the schema allows none.
 */
export function invalidBodies(schema: JsonSchema, doc: OpenApiDocument): fc.Arbitrary<unknown> | undefined {
  const s = resolve(schema, doc);
  if (!s.properties) return undefined;
  const base = shaped(s, doc, false) as fc.Arbitrary<Record<string, unknown>>;
  const mutations: Array<fc.Arbitrary<unknown>> = [];
  const required = (s.required ?? []).filter((k) => s.properties![k] && wrongTypes(s.properties![k]!, doc).length);
  if (required.length) {
    mutations.push(
      fc
        .tuple(base, fc.constantFrom(...required))
        .chain(([body, key]) => fc.constantFrom(...wrongTypes(s.properties![key]!, doc)).map((bad) => ({ ...body, [key]: bad }))),
    );
  }
  const extraKeys = ['__fuzz_extra', 'is_admin', 'role', 'user_id', 'price'].filter((k) => !(k in s.properties!));
  if (s.additionalProperties === false && extraKeys.length) {
    mutations.push(fc.tuple(base, fc.constantFrom(...extraKeys)).map(([body, key]) => ({ ...body, [key]: 'x' })));
  }
  return mutations.length ? fc.oneof(...mutations) : undefined;
}

/** Percent-encodes any string as UTF-8 (lone surrogates become U+FFFD), keeping RFC 3986 unreserved characters. */
export function encode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

/**
 * Reads the request and response examples of the founding API spec (section 3,
 * kept verbatim in test/fixtures/seed-api-spec.md) so a test can replay them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SeedAnswer {
  kind: 'response' | 'error';
  status: number;
  /** The example body, or undefined where the spec shows prose instead of JSON ("{ updated profile object }"). */
  body: unknown;
  text: string;
}

export interface SeedExample {
  title: string;
  method: string;
  /** Path under the base URL, with the example's query string. */
  path: string;
  headers: Record<string, string>;
  request?: unknown;
  answers: SeedAnswer[];
}

const SPEC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'seed-api-spec.md');
const LABEL = /^(Request:|Response \((\d{3})[^)]*\):|Error \((\d{3})[^)]*\):|Events:)\s*$/;

/** The spec writes one object as `[ "a": 1, "b": 2 ]`; read it as the object it means. */
function lenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(text.replace(/\[(\s*"[^"\]]+"\s*:[^\]]*)\]/g, '{$1}'));
    } catch {
      return undefined;
    }
  }
}

export function seedExamples(): SeedExample[] {
  const spec = readFileSync(SPEC, 'utf8');
  const out: SeedExample[] = [];
  for (const match of spec.matchAll(/^#### (.+)\n```\n([\s\S]*?)\n```/gm)) {
    const [, title, block] = match as unknown as [string, string, string];
    const lines = block.split('\n');
    const [method, target] = lines[0]!.split(' ') as [string, string];
    const example: SeedExample = { title, method, path: target, headers: {}, answers: [] };
    let i = 1;
    for (; i < lines.length && lines[i]!.trim() && !LABEL.test(lines[i]!); i++) {
      const [name, ...value] = lines[i]!.split(':');
      example.headers[name!.trim().toLowerCase()] = value.join(':').trim();
    }
    while (i < lines.length) {
      const label = LABEL.exec(lines[i]!);
      i++;
      if (!label) continue;
      const body: string[] = [];
      for (; i < lines.length && !LABEL.test(lines[i]!); i++) body.push(lines[i]!);
      const text = body.join('\n').trim();
      if (label[1] === 'Request:') example.request = lenientJson(text);
      else if (label[2]) example.answers.push({ kind: 'response', status: Number(label[2]), body: lenientJson(text), text });
      else if (label[3]) example.answers.push({ kind: 'error', status: Number(label[3]), body: lenientJson(text), text });
    }
    out.push(example);
  }
  return out;
}

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Where `actual` departs from the example's shape: a field the example shows is
 * missing, or holds another kind of value (a number where the example has a
 * number, and so on; null stands for any kind). Arrays are compared element by
 * element with the example's first element, and must not be empty where the
 * example shows one, since an empty array proves nothing about its items.
 */
export function shapeProblems(example: unknown, actual: unknown, at = '$'): string[] {
  if (example === null || actual === null) return [];
  if (kind(example) !== kind(actual)) return [`${at} is ${kind(actual)}, the spec shows ${kind(example)}`];
  if (Array.isArray(example)) {
    if (!example.length) return [];
    const items = actual as unknown[];
    if (!items.length) return [`${at} is empty, so its items cannot be checked`];
    return items.flatMap((item, i) => shapeProblems(example[0], item, `${at}[${i}]`));
  }
  if (kind(example) !== 'object') return [];
  return Object.entries(example as Record<string, unknown>).flatMap(([key, value]) =>
    Object.hasOwn(actual as object, key) ? shapeProblems(value, (actual as Record<string, unknown>)[key], `${at}.${key}`) : [`${at}.${key} is missing`],
  );
}

/**
 * Reads the pinned `stripe` package's TypeScript declarations with the
 * TypeScript compiler and turns them into what the emulator is checked
 * against: JSON Schemas of the objects Stripe sends (every key it always
 * sends is required; nullable keys must be present as `null`), and the tree
 * of parameter names each endpoint accepts.
 *
 * Only the types named here are described in full; other Stripe resources
 * they mention (a customer's `tax_ids`, an invoice's `account_tax_ids`...)
 * stay opaque objects, since the emulator never expands them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export type JsonSchema = Record<string, unknown>;
/** `true`: a value of any shape; `'*'`: a map with any keys (metadata); an array: the tree of its items. */
export type ParamTree = true | '*' | ParamTree[] | { [key: string]: ParamTree };

export interface StripeShapes {
  objects: { definitions: Record<string, JsonSchema>; roots: Record<string, JsonSchema> };
  params: Record<string, ParamTree>;
}

function program(aliases: Record<string, string>) {
  const entry = path.join(ROOT, 'scripts/stripe-emulator/schema/__stripe-shapes__.ts');
  const source =
    "import type Stripe from 'stripe';\n" +
    Object.entries(aliases)
      .map(([name, expr]) => `export type ${name} = ${expr};`)
      .join('\n');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => (f === entry ? source : readFile(f));
  host.fileExists = ((exists) => (f: string) => f === entry || exists(f))(host.fileExists.bind(host));
  host.getSourceFile = (f, lang, ...rest) =>
    f === entry ? ts.createSourceFile(f, source, lang, true, ts.ScriptKind.TS) : getSourceFile(f, lang, ...rest);
  const prog = ts.createProgram([entry], options, host);
  const file = prog.getSourceFile(entry)!;
  const checker = prog.getTypeChecker();
  const types = new Map<string, ts.Type>();
  for (const statement of file.statements) {
    if (ts.isTypeAliasDeclaration(statement)) types.set(statement.name.text, checker.getTypeAtLocation(statement.name));
  }
  for (const name of Object.keys(aliases)) {
    if (!types.has(name)) throw new Error(`stripe types: ${aliases[name]} not found`);
  }
  return { checker, types };
}

const isNamedObject = (t: ts.Type) =>
  !!t.aliasSymbol ||
  (!!t.symbol && t.symbol.name !== '__type' && t.symbol.name !== '__object' && !!(t.flags & ts.TypeFlags.Object));

const isGenericInstance = (checker: ts.TypeChecker, t: ts.Type) =>
  !!t.aliasTypeArguments?.length ||
  (!!((t as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) && checker.getTypeArguments(t as ts.TypeReference).length > 0);

/** Stripe sends decimals as strings; the package parses them into its Decimal class. */
const isDecimal = (t: ts.Type) => t.aliasSymbol?.name === 'Decimal' || t.symbol?.name === 'DecimalImpl';

function typeName(checker: ts.TypeChecker, t: ts.Type): string {
  const symbol = t.aliasSymbol ?? t.symbol;
  return checker
    .getFullyQualifiedName(symbol)
    .replace(/^"[^"]*\/stripe\/(cjs|esm)\/(resources\/)?/, '')
    .replace(/"/g, '')
    .replaceAll('/', '.');
}

/** The object schemas: `roots` named by the caller, `definitions` for every named type they reach. */
function objectSchemas(checker: ts.TypeChecker, roots: Map<string, ts.Type>): StripeShapes['objects'] {
  const definitions: Record<string, JsonSchema> = {};
  const rootNames = new Set([...roots.values()].map((t) => typeName(checker, t)));

  const isOtherResource = (t: ts.Type) => {
    const object = t.getProperty('object');
    return !!object && !rootNames.has(typeName(checker, t)) && !!(checker.getTypeOfSymbol(object).flags & ts.TypeFlags.StringLiteral);
  };

  function schema(t: ts.Type): JsonSchema {
    if (isDecimal(t)) return { type: 'string' };
    if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
    // `OtherString` (string & {}) keeps enums open to values newer than the package.
    if (t.flags & ts.TypeFlags.String || (t.isIntersection() && t.types.some((m) => m.flags & ts.TypeFlags.String))) return { type: 'string' };
    if (t.flags & ts.TypeFlags.Number) return { type: 'number' };
    if (t.flags & ts.TypeFlags.Boolean) return { type: 'boolean' };
    if (t.flags & ts.TypeFlags.Null) return { type: 'null' };
    if (t.isStringLiteral() || t.isNumberLiteral()) return { const: t.value };
    if (t.flags & ts.TypeFlags.BooleanLiteral) return { const: (t as unknown as { intrinsicName: string }).intrinsicName === 'true' };
    if (t.isUnion()) {
      const members = t.types.filter((m) => !(m.flags & ts.TypeFlags.Undefined));
      const literals = members.filter((m) => m.isStringLiteral()).map((m) => (m as ts.StringLiteralType).value);
      const rest = members.filter((m) => !m.isStringLiteral());
      const booleans = rest.filter((m) => m.flags & ts.TypeFlags.BooleanLiteral);
      const others = booleans.length === 2 ? rest.filter((m) => !booleans.includes(m)) : rest;
      const parts = [
        ...(literals.length ? [{ enum: literals }] : []),
        ...(booleans.length === 2 ? [{ type: 'boolean' }] : []),
        ...others.map(schema),
      ];
      return parts.length === 1 ? parts[0]! : { anyOf: parts };
    }
    if (checker.isArrayType(t)) return { type: 'array', items: schema(checker.getTypeArguments(t as ts.TypeReference)[0]!) };
    // A generic instance (ApiList<Subscription>, Partial<Session>) is described where it is used: its name alone would be ambiguous.
    if (isGenericInstance(checker, t)) return objectSchema(t);
    if (isOtherResource(t)) return { type: 'object' };
    if (isNamedObject(t)) {
      const name = typeName(checker, t);
      if (!(name in definitions)) {
        definitions[name] = {};
        definitions[name] = objectSchema(t);
      }
      return { $ref: `#/definitions/${name}` };
    }
    return objectSchema(t);
  }

  function objectSchema(t: ts.Type): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const prop of checker.getPropertiesOfType(t)) {
      properties[prop.name] = schema(checker.getTypeOfSymbol(prop));
      if (!(prop.flags & ts.SymbolFlags.Optional)) required.push(prop.name);
    }
    const index = checker.getIndexInfosOfType(t)[0];
    return {
      type: 'object',
      properties,
      required,
      additionalProperties: index ? schema(index.type) : false,
    };
  }

  const rootSchemas = Object.fromEntries([...roots].map(([name, t]) => [name, schema(t)]));
  return { definitions, roots: rootSchemas };
}

/** The names a parameters type accepts, nested; values are not typed (they arrive form-encoded as strings). */
function paramTree(checker: ts.TypeChecker, t: ts.Type, seen: ts.Type[] = []): ParamTree {
  if (t.isUnion()) {
    const trees = t.types.map((m) => paramTree(checker, m, seen)).filter((x) => x !== true);
    if (!trees.length) return true;
    if (trees.length === 1) return trees[0]!;
    // A union of shapes accepts the names of each (Stripe tells them apart by value).
    return trees.reduce<ParamTree>((a, b) => mergeTrees(a, b), {});
  }
  if (checker.isArrayType(t)) return [paramTree(checker, checker.getTypeArguments(t as ts.TypeReference)[0]!, seen)];
  if (!(t.flags & ts.TypeFlags.Object) || isDecimal(t)) return true;
  if (seen.includes(t)) return true;
  if (checker.getIndexInfosOfType(t).length) return '*';
  const out: Record<string, ParamTree> = {};
  for (const prop of checker.getPropertiesOfType(t)) out[prop.name] = paramTree(checker, checker.getTypeOfSymbol(prop), [...seen, t]);
  return out;
}

function mergeTrees(a: ParamTree, b: ParamTree): ParamTree {
  if (a === '*' || b === '*') return '*';
  if (a === true || b === true) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) ? [mergeTrees(a[0]!, b[0]!)] : true;
  const out: Record<string, ParamTree> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? mergeTrees(out[k]!, v) : v;
  return out;
}

/**
 * `objects` and `params` map a name of ours to a type expression over the
 * `Stripe` namespace, e.g. `{ 'checkout.session': 'Stripe.Checkout.Session' }`.
 */
export function stripeShapes(objects: Record<string, string>, params: Record<string, string>): StripeShapes {
  const alias = (prefix: string, names: string[]) => new Map(names.map((n, i) => [n, `${prefix}${i}`]));
  const objectAliases = alias('O', Object.keys(objects));
  const paramAliases = alias('P', Object.keys(params));
  const { checker, types } = program({
    ...Object.fromEntries(Object.entries(objects).map(([n, expr]) => [objectAliases.get(n)!, expr])),
    ...Object.fromEntries(Object.entries(params).map(([n, expr]) => [paramAliases.get(n)!, expr])),
  });
  const roots = new Map(Object.keys(objects).map((n) => [n, types.get(objectAliases.get(n)!)!]));
  return {
    objects: objectSchemas(checker, roots),
    params: Object.fromEntries(Object.keys(params).map((n) => [n, paramTree(checker, types.get(paramAliases.get(n)!)!)])),
  };
}

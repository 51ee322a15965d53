import { badRequest } from './errors';

/**
 * Keyset pagination over (created_at, id), newest first: stable under inserts,
 * no OFFSET scans. The cursor is opaque to clients (base64url JSON).
 */
export interface Cursor {
  t: string; // ISO timestamp of the last row returned
  id: string; // its id, breaking ties
}

export function encodeCursor(row: { created_at: Date | string; id: string | number }): string {
  const t = row.created_at instanceof Date ? row.created_at.toISOString() : new Date(row.created_at).toISOString();
  return Buffer.from(JSON.stringify({ t, id: String(row.id) })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Cursor | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
    if (typeof parsed.t !== 'string' || typeof parsed.id !== 'string' || Number.isNaN(Date.parse(parsed.t))) throw new Error();
    return parsed;
  } catch {
    throw badRequest('invalid_cursor', 'The cursor is not valid. Start again without it.');
  }
}

/**
 * SQL fragment and replacements for "rows after the cursor", newest first.
 * Use with `ORDER BY <alias>.created_at DESC, <alias>.id DESC LIMIT :limit_plus_one`.
 */
export function keysetWhere(cursor: Cursor | undefined, alias = ''): { sql: string; replacements: Record<string, unknown> } {
  const a = alias ? `${alias}.` : '';
  if (!cursor) return { sql: 'TRUE', replacements: {} };
  return {
    sql: `(${a}created_at, ${a}id::text) < (:cursor_t::timestamptz, :cursor_id)`,
    replacements: { cursor_t: cursor.t, cursor_id: cursor.id },
  };
}

/** Fetch limit+1 rows; this trims the extra one and says whether there is a next page. */
export function page<T extends { created_at: Date | string; id: string | number }>(rows: T[], limit: number) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: rows.length > limit && last ? encodeCursor(last) : null };
}

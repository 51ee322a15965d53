import { QueryTypes, type Sequelize } from 'sequelize';

/** Row count and a content digest of each table, to tell whether anything was written. */
export type DbSnapshot = Map<string, { rows: number; digest: string }>;

/**
 * Counters that change on every request by design (rate limits) are left out;
 * everything else in the public schema is compared whole, so an UPDATE shows
 * as well as an INSERT or a DELETE.
 */
const IGNORED = new Set(['rate_limits', 'SequelizeMeta']);

export async function snapshotTables(sequelize: Sequelize): Promise<DbSnapshot> {
  const tables = await sequelize.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    { type: QueryTypes.SELECT },
  );
  const names = tables.map((t) => t.name).filter((n) => !IGNORED.has(n) && /^[a-z0-9_]+$/.test(n));
  if (!names.length) return new Map();
  const sql = names
    .map(
      (n) =>
        `SELECT '${n}' AS name, count(*)::int AS rows, md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) AS digest FROM "${n}" t`,
    )
    .join(' UNION ALL ');
  const rows = await sequelize.query<{ name: string; rows: number; digest: string }>(sql, { type: QueryTypes.SELECT });
  return new Map(rows.map((r) => [r.name, { rows: r.rows, digest: r.digest }]));
}

/** Tables whose rows differ between two snapshots, with their counts, e.g. `licenses 3→4`. */
export function changedTables(before: DbSnapshot, after: DbSnapshot): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  const changed: string[] = [];
  for (const n of names) {
    const a = before.get(n);
    const b = after.get(n);
    if (!a || !b || a.digest !== b.digest) changed.push(`${n} ${a?.rows ?? '-'}→${b?.rows ?? '-'}`);
  }
  return changed.sort();
}

import pg from 'pg';

/** Quotes a database name we generated ourselves (letters, digits, underscores). */
export function ident(name: string): string {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`Unsafe database name ${name}`);
  return `"${name}"`;
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery(adminUrl: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function dropDatabasesWithPrefix(adminUrl: string, prefix: string): Promise<void> {
  const { rows } = await adminQuery(adminUrl, `SELECT datname FROM pg_database WHERE datname LIKE '${prefix.replace(/'/g, '')}%'`);
  for (const { datname } of rows as Array<{ datname: string }>) {
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${ident(datname)} WITH (FORCE)`);
  }
}

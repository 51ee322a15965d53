/**
 * Operator CLI: `npm run admin -- <command> [--flags]`. Works against DATABASE_URL
 * or the embedded PostgreSQL, whether or not the API is running.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../api/src/config';
import { createDeps, closeDeps, type AppDeps } from '../api/src/context';
import { migrate } from '../api/src/db/migrate';
import { resolveDatabase } from '../api/src/db/resolve';
import { createLogger } from '../api/src/lib/logger';
import { createServices } from '../api/src/services';
import { BILLING_COMMANDS } from './admin-billing-commands';
import { ADMIN_COMMANDS as CORE_COMMANDS } from './admin-commands';

const ADMIN_COMMANDS = { ...CORE_COMMANDS, ...BILLING_COMMANDS };

function usage(): string {
  const lines = Object.entries(ADMIN_COMMANDS).map(([name, c]) => `  ${name} ${c.usage}\n      ${c.summary}`);
  return `Usage: npm run admin -- <command> [options]\n\nCommands:\n${lines.join('\n')}`;
}

async function main() {
  const [name, ...rest] = process.argv.slice(2);
  const command = name ? ADMIN_COMMANDS[name] : undefined;
  if (!command) {
    console.error(name ? `Unknown command: ${name}\n\n${usage()}` : usage());
    process.exit(name ? 64 : 0);
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: rest, options: command.options, strict: true }).values as typeof values;
  } catch (err) {
    console.error(`${(err as Error).message}\n\nUsage: npm run admin -- ${name} ${command.usage}`);
    process.exit(64);
  }
  const config = loadConfig();
  const logger = createLogger({ ...config, logLevel: 'warn', logPretty: false });
  const db = await resolveDatabase(config, logger);
  let deps: AppDeps | undefined;
  try {
    deps = await createDeps(config, logger, db.url);
    await migrate(deps.sequelize);
    const output = await command.run(values, createServices(deps));
    console.log(typeof output === 'string' ? output : JSON.stringify(output, null, 2));
  } catch (err) {
    console.error(`Error: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    if (deps) await closeDeps(deps);
    await db.stop();
  }
}

void main();

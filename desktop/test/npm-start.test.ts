/**
 * `npm start` as a new user runs it: its own defaults (embedded PostgreSQL,
 * the local Stripe emulator, the API, the Companion behind the browser bridge),
 * changed only in which ports and data folder it uses so it does not collide
 * with anything else on the machine. The user signs in with the printed demo
 * account and buys Standard through the Buy screen and the checkout window,
 * until the new license shows on the Licenses screen.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { freePort } from '../../api/test/helpers/process';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'artifacts', 'screenshots');

/** The environment of a user's shell: nothing of this test run's own configuration leaks into `npm start`. */
function userEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(DATABASE_URL|PUBLIC_URL|HOST|STRIPE_|NGN_|SMTP_URL|REDIS_URL|TEST_)/.test(key)) delete env[key];
  }
  // CI=1 only stops the bridge from opening the system's browser.
  return { ...env, CI: '1', ...overrides };
}

let work: string;
let start: ChildProcess | undefined;
let output = '';
let browser: Browser | undefined;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'ngn-npm-start-'));
  await mkdir(SHOTS, { recursive: true });
});

after(async () => {
  // A browser that hangs must not keep npm start running: it gets 15 s to close.
  await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 15_000))]);
  // A test that failed half way still stops what npm start started: Ctrl-C first (it stops
  // the Companion's own process group too), then whatever is left of npm start's.
  if (start && start.exitCode === null && start.signalCode === null) {
    const exited = new Promise((resolve) => start!.once('exit', resolve));
    process.kill(-start.pid!, 'SIGINT');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  }
  try {
    if (start) process.kill(-start.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  // Anything npm start left behind may still hold these pipes open: stop reading them.
  start?.stdout?.destroy();
  start?.stderr?.destroy();
  await rm(work, { recursive: true, force: true });
}, { timeout: 60_000 });

/**
 * Waits until `child` (npm start, or a stand-in for it) prints `pattern` into what `printed`
 * returns, failing with everything it printed if it exits first.
 */
function waitForOutput(child: ChildProcess, printed: () => string, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the process did not print ${pattern} in ${timeoutMs} ms:\n${printed()}`)), timeoutMs);
    const check = () => {
      const match = pattern.exec(printed());
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the process exited (${code}):\n${printed()}`));
    });
    check();
  });
}

test('npm start with its defaults: sign in as the demo user and buy Standard from the Buy screen', { timeout: 360_000 }, async () => {
  const [apiPort, pgPort, stripePort, mailchimpPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  start = spawn('npm', ['start'], {
    cwd: ROOT,
    env: userEnvironment({
      PORT: String(apiPort),
      EMBEDDED_PG_PORT: String(pgPort),
      STRIPE_EMULATOR_PORT: String(stripePort),
      MAILCHIMP_EMULATOR_PORT: String(mailchimpPort),
      NGN_BRIDGE_PORT: '0',
      DATA_DIR: path.join(work, 'data'),
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  start.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  start.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

  await waitForOutput(start, () => output, /Ctrl-C stops everything/, 300_000);
  const companionUrl = /in your browser at (\S+)/.exec(output)?.[1];
  assert.ok(companionUrl, `npm start names the Companion's address:\n${output}`);
  const demo = /Demo\s+(\S+) \/ (\S+)/.exec(output);
  assert.ok(demo, 'npm start prints the demo account');
  assert.ok(output.includes(`http://127.0.0.1:${apiPort}/api/v1`), 'the API is announced on the origin its links use');

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(companionUrl);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(demo[1]!);
  await page.getByLabel('Password', { exact: true }).fill(demo[2]!);
  await page.getByRole('button', { name: 'Sign in' }).click();

  const nav = (label: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });
  await nav('Buy').click();
  await page.getByRole('button', { name: 'Buy Standard', exact: true }).waitFor();
  const [checkout] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Buy Standard', exact: true }).click()]);
  await checkout.waitForLoadState();
  assert.equal(await page.getByText('This is not a NextGen Noise checkout page').count(), 0);
  await checkout.frameLocator('iframe').getByRole('button', { name: 'Pay', exact: true }).click();
  await checkout.waitForURL(/\/checkout\/success/);
  await checkout.close();
  await page.getByRole('heading', { name: 'Thank you!' }).waitFor({ timeout: 30_000 });
  const licenseKey = (await page.getByTestId('license-key').textContent())!.trim();
  assert.match(licenseKey, /^NG-/);

  await nav('Licenses').click();
  await page.getByRole('heading', { name: 'Licenses' }).waitFor();
  // Keys are masked on screen: the new license is the one whose last four characters match.
  await page.getByText(new RegExp(`NG-[•]+-[•]+-${licenseKey.slice(-4)}`)).first().waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'npm-start-licenses.png') });
  assert.deepEqual(pageErrors, []);

  // Ctrl-C stops everything.
  const exited = new Promise<number | null>((resolve) => start!.once('exit', (code) => resolve(code)));
  process.kill(-start.pid!, 'SIGINT');
  const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000))]);
  assert.notEqual(code, 'hung', `npm start did not stop on Ctrl-C:\n${output.slice(-2000)}`);
});

test('the Companion that npm start runs stops with it, even when npm start is killed outright', { timeout: 120_000 }, async () => {
  // A stand-in for npm start: it starts the Companion exactly as npm start does and prints where.
  const launcher = path.join(work, 'launcher.mts');
  await writeFile(
    launcher,
    [
      `import { createLogger } from ${JSON.stringify(path.join(ROOT, 'api/src/lib/logger.ts'))};`,
      `import { startCompanion } from ${JSON.stringify(path.join(ROOT, 'scripts/lib/start-companion.ts'))};`,
      `const logger = createLogger({ logLevel: 'warn', logPretty: false });`,
      `const companion = await startCompanion({ apiUrl: 'http://127.0.0.1:9', dataDir: ${JSON.stringify(path.join(work, 'killed'))}, logger });`,
      `console.log(companion.description);`,
    ].join('\n'),
  );
  const parent = spawn(process.execPath, ['--import', 'tsx', launcher], {
    cwd: ROOT,
    env: userEnvironment({ NGN_BRIDGE_PORT: '0' }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let printed = '';
  parent.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const [, url] = await waitForOutput(parent, () => printed, /in your browser at (\S+)/, 60_000);
  const origin = new URL(url!).origin;
  assert.equal((await fetch(origin)).status, 200, 'the Companion answers while its parent lives');

  parent.kill('SIGKILL');
  let answering = true;
  for (const deadline = Date.now() + 15_000; answering && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    answering = await fetch(origin).then(
      () => true,
      () => false,
    );
  }
  assert.equal(answering, false, 'the Companion still answers 15 s after the process that started it was killed');
});

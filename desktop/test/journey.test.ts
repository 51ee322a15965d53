/**
 * The companion as a new user meets it, in Debian's Chromium driven by
 * playwright-core: the real React UI (built with Vite), the real core behind
 * the WebSocket bridge, the real API on PostgreSQL, the Stripe emulator and
 * the real keychain. Every screen is photographed under artifacts/screenshots
 * and checked for unhandled errors.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Download, type Page } from 'playwright-core';
import { build } from 'vite';
import { activationTokenPath, Jwks, verifyActivationToken, type TokenFileEnvironment } from '@ngn/shared';
import { signUpAs, tokenFromMail } from '../../api/test/helpers/api';
import { startPurchaseStack, type PurchaseStack } from '../../api/test/helpers/purchases';
import { signedBy } from '../../api/test/helpers/releases';
import { startBridge, type RunningBridge } from '../src/bridge/server';
import { accessibilityFindings } from './helpers/accessibility';
import { consoleLogger } from '../src/core/logger';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const SHOTS = path.join(ROOT, 'artifacts', 'screenshots');
const README_SHOTS = path.join(ROOT, 'docs', 'screenshots');
const PASSWORD = 'Studio-monitors-42';
const PRODUCT = 'mixing_mentor';

let stack: PurchaseStack;
let bridge: RunningBridge;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let work: string;
let tokenEnv: TokenFileEnvironment;
const pageErrors: string[] = [];
const journeyLogger = consoleLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent', 'journey');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'ngn-journey-'));
  // Links in API answers (checkout page, signed downloads) carry PUBLIC_URL: it must be the real address.
  const port = await freePort();
  stack = await startPurchaseStack({}, { HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });

  const rendererDir = path.join(work, 'renderer');
  await build({ configFile: path.join(ROOT, 'desktop', 'vite.renderer.config.ts'), logLevel: 'warn', build: { outDir: rendererDir, emptyOutDir: true, sourcemap: false } });

  tokenEnv = { platform: process.platform, env: { XDG_DATA_HOME: path.join(work, 'xdg'), APPDATA: path.join(work, 'appdata') }, homedir: path.join(work, 'home') };
  bridge = await startBridge({
    apiUrl: stack.t.url,
    port: 0,
    dataDir: path.join(work, 'companion'),
    rendererDir,
    logger: journeyLogger,
    core: {
      keychainService: `NextGen Noise Companion journey ${randomBytes(4).toString('hex')}`,
      tokenFileEnvironment: tokenEnv,
      installDir: path.join(work, 'installers'),
      logger: journeyLogger,
      releaseRoots: [stack.t.releaseRoot],
    },
  });

  await mkdir(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, colorScheme: 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(bridge.url).origin });
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
  });
});

after(async () => {
  // Whatever the outcome, keep a picture of where the journey ended.
  await page?.screenshot({ path: path.join(SHOTS, 'last.png') }).catch(() => undefined);
  await browser?.close();
  await bridge?.close();
  await stack?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

let shotNo = 0;
/** Photographs the screen after checking it shows no unhandled error and no serious accessibility fault, light or dark. */
async function shot(name: string, opts: { readme?: string; allowErrorBanner?: boolean } = {}) {
  // The app in front, as the user sees it: a page behind a checkout or portal tab holds its colour transitions mid-way.
  await page.bringToFront();
  await page.waitForLoadState('networkidle').catch(() => undefined);
  // Let entrance animations settle and passing toasts go, so the picture shows the resting state.
  await page.locator('.toast').waitFor({ state: 'detached', timeout: 5000 }).catch(() => undefined);
  await page.waitForTimeout(250);
  assert.equal(await page.getByTestId('unhandled-error').count(), 0, `${name}: the error boundary caught an error`);
  assert.deepEqual(pageErrors, [], `${name}: errors in the page`);
  if (!opts.allowErrorBanner) {
    const banners = await page.locator('.banner-error').allTextContents();
    assert.deepEqual(banners, [], `${name}: error banner shown`);
  }
  for (const scheme of ['light', 'dark'] as const) {
    assert.deepEqual(await accessibilityFindings(page, scheme), [], `${name} (${scheme}): axe-core finds serious or critical WCAG 2.1 A/AA violations`);
  }
  shotNo += 1;
  await page.screenshot({ path: path.join(SHOTS, `${String(shotNo).padStart(2, '0')}-${name}.png`) });
  if (opts.readme && process.env.UPDATE_README_SCREENSHOTS === '1') {
    await mkdir(README_SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(README_SHOTS, opts.readme) });
  }
}

const nav = (label: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });

async function signOut() {
  await nav('Settings').click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('alertdialog', { name: 'Sign out?' }).getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

/** A new account, its email confirmed, signed in to the Companion. */
async function signInConfirmed(email: string, first: string) {
  const api = stack.t;
  const reg = await api.post('/auth/register', { email, password: PASSWORD, first_name: first, last_name: 'Tester' });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  const confirmed = await api.post('/auth/verify-email', { token: tokenFromMail(await api.waitForMail(email, 'verify-email'), 'verification token') });
  assert.equal(confirmed.status, 200);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: new RegExp(`${first}$`) }).waitFor();
}

/** Buys a plan through the checkout window, as a user does, up to the thank-you screen. */
async function buyInCheckoutWindow(plan: string) {
  const [checkoutPage] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: `Buy ${plan}`, exact: true }).click()]);
  await checkoutPage.waitForLoadState();
  await checkoutPage.frameLocator('iframe').getByRole('button', { name: 'Pay', exact: true }).click();
  await checkoutPage.waitForURL(/\/checkout\/success/);
  await checkoutPage.close();
  await page.getByRole('heading', { name: 'Thank you!' }).waitFor({ timeout: 30_000 });
}

test('a new musician: register, verify, buy, activate, download, deactivate, get support, export data', { timeout: 240_000 }, async (t) => {
  const api = stack.t;
  // Each test file has its own database, so a plain address is unique here (and reads well in screenshots).
  const email = 'ada.lovelace@example.com';

  // ---- sign in screen, then create an account with inline validation ----
  await page.goto(bridge.url);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await shot('sign-in');

  // Forgot password answers the same whether or not the account exists.
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send reset code' }).click();
  await page.getByText('Check your inbox').waitFor();
  await shot('forgot-password');
  await page.getByRole('link', { name: 'Back to sign in' }).click();

  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByRole('heading', { name: 'Create your account' }).waitFor();
  await page.getByLabel('First name').fill('Ada');
  await page.getByLabel('Last name').fill('Lovelace');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('First name').focus();
  await page.getByLabel('Email').focus();
  await page.getByLabel('Last name').focus();
  // The shared schemas' own messages, shown as the user leaves each field.
  await page.getByText('Enter a valid email address.').waitFor();
  await page.getByText('Use at least 10 characters.').waitFor();
  await shot('register-validation');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  // The newsletter is off until ticked.
  const newsletterBox = page.getByRole('checkbox', { name: /Send me the NextGen Noise newsletter/ });
  assert.equal(await newsletterBox.isChecked(), false);
  await newsletterBox.check();
  await page.getByRole('button', { name: 'Create account' }).click();

  // ---- verify the email with the code from the mail ----
  await page.getByRole('heading', { name: 'Confirm your email' }).waitFor();
  await shot('verify-email');
  const token = tokenFromMail(await api.waitForMail(email, 'verify-email'), 'verification token');
  await page.getByLabel('Confirmation code').fill(token);
  await page.getByRole('button', { name: 'Confirm email' }).click();
  await page.getByRole('heading', { name: 'Email confirmed' }).waitFor();
  await page.getByRole('button', { name: 'Go to the companion' }).click();

  // ---- sign out and back in: the session lives in the keychain, the sign-in form works ----
  await page.getByRole('heading', { name: /Ada$/ }).waitFor();
  await nav('Settings').click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('alertdialog', { name: 'Sign out?' }).getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill('wrong-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Could not sign in' }).waitFor();
  await shot('sign-in-wrong-password', { allowErrorBanner: true });
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();

  // ---- home, before anything is bought ----
  await page.getByRole('heading', { name: /Ada$/ }).waitFor();
  await page.getByText('Not activated yet').waitFor();
  assert.equal(await page.getByText('Confirm your email address').count(), 0, 'the profile shows the confirmed email');
  await shot('home-new');

  // ---- buy Standard through the checkout window ----
  const login = await api.post('/auth/login', { email, password: PASSWORD });
  assert.equal(login.status, 200);
  const access = login.body.access_token as string;
  await nav('Buy').click();
  await page.getByRole('heading', { name: 'Buy Mixing Mentor' }).waitFor();
  await page.getByRole('button', { name: 'Buy Standard', exact: true }).waitFor();
  await shot('buy-plans', { readme: undefined });
  const [checkoutPage] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Buy Standard', exact: true }).click()]);
  await checkoutPage.waitForLoadState();
  await page.getByTestId('checkout-waiting').waitFor();
  await shot('buy-waiting');
  await checkoutPage.frameLocator('iframe').getByRole('button', { name: 'Pay', exact: true }).click();
  await checkoutPage.waitForURL(/\/checkout\/success/);
  await checkoutPage.screenshot({ path: path.join(SHOTS, 'checkout-window.png') });
  await checkoutPage.close();
  await page.getByRole('heading', { name: 'Thank you!' }).waitFor({ timeout: 30_000 });
  const licenseKey = (await page.getByTestId('license-key').textContent())!.trim();
  await shot('buy-thank-you');
  assert.match(licenseKey, /^NG-/);

  // Two other machines already hold both seats, so activating here offers the seat chooser.
  for (const [machine_name, os] of [
    ['Studio Desktop', 'Windows 11'],
    ['Old Laptop', 'macOS 13'],
  ]) {
    const res = await api.post('/license/activate', { license_key: licenseKey, hardware_id: randomBytes(32).toString('hex'), machine_name, os }, access);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  // ---- the license appears; activate this machine, freeing a seat ----
  await nav('Licenses').click();
  await page.getByRole('heading', { name: 'Licenses' }).waitFor();
  await page.getByText('Mixing Mentor Standard', { exact: false }).first().waitFor();
  await page.getByText('2 of 2 in use').waitFor();
  await page.getByRole('button', { name: 'Activate this machine' }).click();
  const chooser = page.getByRole('dialog', { name: 'All seats are in use' });
  await chooser.waitFor();
  await shot('seat-chooser');
  await chooser.getByRole('radio', { name: /Old Laptop/ }).check();
  await chooser.getByRole('button', { name: 'Continue' }).click();
  const confirmFree = page.getByRole('alertdialog', { name: 'Free the seat of “Old Laptop”?' });
  await confirmFree.getByRole('button', { name: 'Deactivate and activate this machine' }).click();
  await page.getByText('Active on this machine').waitFor();
  await page.getByText('This machine', { exact: true }).first().waitFor();
  await shot('licenses-activated', { readme: 'companion-licenses.png' });

  // ---- the purchase, paid, with Stripe's receipt ----
  const purchase = page.getByRole('list', { name: 'Purchases' }).getByTestId('purchase').first();
  await purchase.getByText('Paid', { exact: true }).waitFor();
  await purchase.getByText(/\$29\.99/).waitFor();
  const [receipt] = await Promise.all([context.waitForEvent('page'), purchase.getByRole('button', { name: /^Receipt for Mixing Mentor Standard/ }).click()]);
  await receipt.getByText('$29.99').waitFor();
  await receipt.screenshot({ path: path.join(SHOTS, 'receipt-page.png') });
  await receipt.close();

  // ---- the token file exists and verifies as the plugin would check it ----
  const tokenFile = activationTokenPath(tokenEnv, PRODUCT);
  const mode = (await stat(tokenFile)).mode & 0o777;
  if (process.platform !== 'win32') assert.equal(mode & 0o077, 0, `token file mode ${mode.toString(8)}`);
  const jwks = Jwks.parse((await api.get('/keys')).body);
  const state = await bridge.core.handlers['activation:state'](undefined);
  const verdict = await verifyActivationToken((await readFile(tokenFile, 'utf8')).trim(), jwks, { fingerprint: state.fingerprint, product: PRODUCT });
  assert.equal(verdict.code, 'VALID');

  // ---- home now shows this machine activated and its offline grace ----
  await nav('Home').click();
  await page.getByText('Mixing Mentor is activated').waitFor();
  await page.getByText(/works offline for \d+ more days/).first().waitFor();
  await shot('home-activated', { readme: 'companion-home.png' });

  // ---- download the plugin: a release is published first, then downloaded and verified ----
  const admin = await signUpAs(api, 'admin');
  const platform = bridge.core.info().release_platform;
  assert.ok(platform, 'this machine has a release platform');
  // The admin upload route, as the release pipeline calls it: fields first, then the file.
  const form = new FormData();
  const pluginBytes = randomBytes(6 * 1024 * 1024);
  const release = { product: PRODUCT, version: '1.0.0', platform, release_notes: 'First release.\n- Ghost Needle\n- Target curves\n- Text feed' };
  for (const [k, v] of Object.entries({ ...release, ...signedBy(stack.t.releaseKey, release, pluginBytes) })) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(pluginBytes)]), `MixingMentor-1.0.0-${platform}.bin`);
  const upload = await fetch(`${api.url}/api/v1/admin/releases`, { method: 'POST', headers: { authorization: `Bearer ${admin.access}` }, body: form });
  assert.equal(upload.status, 201, await upload.text());
  await nav('Downloads').click();
  await page.getByRole('heading', { name: 'Mixing Mentor', exact: true }).waitFor();
  await shot('downloads-available');
  // Record every value the bar shows, to see it move.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { progressSeen: string[] }).progressSeen = seen;
    new MutationObserver(() => {
      const bar = document.querySelector('[role="progressbar"]');
      const v = bar?.getAttribute('aria-valuetext');
      if (v && seen.at(-1) !== v) seen.push(v);
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.getByRole('main').getByRole('button', { name: 'Download', exact: true }).click();
  const bar = page.getByRole('progressbar');
  await bar.waitFor();
  await page.locator('.badge', { hasText: 'Verified' }).waitFor({ timeout: 60_000 });
  assert.equal(await bar.getAttribute('aria-valuenow'), '100');
  const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
  t.diagnostic(`progress bar showed: ${seen.join(' | ')}`);
  assert.ok(seen.length >= 1);
  await shot('downloads-verified');
  await page.getByRole('button', { name: 'Install', exact: true }).click();
  await page.getByText(/The installer (is ready|is running)/).waitFor();
  const installer = path.join(work, 'installers', `MixingMentor-1.0.0-${platform}.bin`);
  assert.ok(existsSync(installer) || (await page.locator('code').filter({ hasText: 'MixingMentor-1.0.0' }).count()) > 0);
  await shot('downloads-installed');

  // ---- deactivate this machine from the Licenses screen ----
  await nav('Licenses').click();
  await page.getByRole('button', { name: `Deactivate ${bridge.core.info().machine_name}` }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Deactivate this machine?' });
  await confirm.waitFor();
  await shot('licenses-deactivate-confirm');
  await confirm.getByRole('button', { name: 'Deactivate' }).click();
  await page.getByRole('button', { name: 'Activate this machine' }).waitFor();
  assert.equal(existsSync(tokenFile), false, 'the token file is removed');
  await shot('licenses-deactivated');

  // ---- open a support ticket ----
  await nav('Support').click();
  await page.getByRole('heading', { name: 'New ticket' }).waitFor();
  await page.getByLabel('Subject').fill('Ghost Needle freezes on long sessions');
  await page.getByLabel('Category').selectOption('bug');
  await page.getByLabel('Message').fill('After two hours in a session the Ghost Needle stops moving. Restarting the DAW fixes it.');
  await shot('support-new');
  await page.getByRole('button', { name: 'Send ticket' }).click();
  await page.getByRole('list', { name: 'Tickets' }).getByText('Ghost Needle freezes on long sessions').waitFor();
  await page.getByRole('list', { name: 'Conversation' }).getByText(/After two hours/).waitFor();
  await shot('support-ticket');
  const tickets = await api.get('/support/tickets', access);
  assert.equal(tickets.body.tickets.length, 1);

  // ---- settings: export my data ----
  await nav('Settings').click();
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  // Consent given at registration shows here; news of new versions is asked for here.
  assert.equal(await page.getByRole('switch', { name: 'NextGen Noise newsletter' }).isChecked(), true);
  await page.getByRole('switch', { name: 'Email me when a new version is out' }).click();
  await page.getByRole('switch', { name: 'Email me when a new version is out', checked: true }).waitFor();
  assert.equal((await api.get('/user/profile', access)).body.update_mails, true);
  await shot('settings');
  await page.getByRole('heading', { name: 'About' }).scrollIntoViewIfNeeded();
  await page.getByText('Version 0.').waitFor();
  await shot('settings-about');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export my data' }).click()]);
  const file = await download.path();
  const exported = JSON.parse(await readFile(file, 'utf8')) as unknown;
  assert.ok(JSON.stringify(exported).includes(email));
  await shot('settings-exported');

  // ---- the same UI follows the OS into dark mode ----
  await page.emulateMedia({ colorScheme: 'dark' });
  await nav('Licenses').click();
  await page.getByRole('heading', { name: 'Licenses' }).waitFor();
  await page.getByRole('button', { name: 'Activate this machine' }).waitFor();
  await shot('licenses-dark');

  assert.deepEqual(pageErrors, []);
});

test('a musician who never bought starts a 14-day trial from Home; this computer has no second trial for another account', { timeout: 120_000 }, async () => {
  const api = stack.t;
  await page.emulateMedia({ colorScheme: 'light' });
  await signOut();
  await signInConfirmed('grace.hopper@example.com', 'Grace');
  const hero = page.getByRole('region', { name: 'This machine' });
  await hero.getByRole('button', { name: 'Start 14-day trial' }).waitFor();
  await shot('home-trial-offer');
  await hero.getByRole('button', { name: 'Start 14-day trial' }).click();
  await hero.getByText('Mixing Mentor is activated').waitFor();
  await hero.getByText(/Trial/).waitFor();
  await shot('home-trial-started');

  // The plugin's file holds a trial token that ends in 14 days.
  const token = await readFile(activationTokenPath(tokenEnv, PRODUCT), 'utf8');
  const verdict = await verifyActivationToken(token, Jwks.parse((await api.get('/keys')).body), {
    fingerprint: bridge.core.activation.fingerprint,
    product: PRODUCT,
  });
  assert.equal(verdict.code, 'VALID');
  assert.equal(verdict.payload!.license_type, 'trial');
  const days = (verdict.payload!.license_expires_at! * 1000 - Date.now()) / 86_400_000;
  assert.ok(days > 13.9 && days <= 14, `${days} days`);
  // Someone with a license is not offered the trial again.
  await nav('Buy').click();
  await page.getByRole('button', { name: 'Buy Standard', exact: true }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Start 14-day trial' }).count(), 0);

  // Another account on this computer: offered on Buy (it has no license), refused by the API in plain words.
  await signOut();
  await signInConfirmed('alan.turing@example.com', 'Alan');
  await nav('Buy').click();
  await page.getByRole('button', { name: 'Start 14-day trial' }).click();
  await page.getByRole('alert').filter({ hasText: 'already been used on this account or on this computer' }).waitFor();
  await shot('buy-trial-refused', { allowErrorBanner: true });
  assert.deepEqual(pageErrors, []);
});

test('an offline studio: a request by file, answered on the /offline page on a phone, loaded back, then released by receipt', { timeout: 120_000 }, async () => {
  const api = stack.t;
  const email = 'alan.turing@example.com';
  const alan = await api.post('/auth/login', { email, password: PASSWORD });
  const [{ id: alanId }] = (await api.api.deps.sequelize.query('SELECT id FROM users WHERE email = :email', { replacements: { email }, type: 'SELECT' })) as Array<{ id: string }> as [{ id: string }];
  const license = await api.api.built.services.licenses.issue({ userId: alanId, product: PRODUCT, policy: 'standard', source: { type: 'admin' } });
  const files = path.join(work, 'carried');
  await mkdir(files, { recursive: true });
  const saved = async (download: Download) => {
    const file = path.join(files, download.suggestedFilename());
    await download.saveAs(file);
    return file;
  };

  // ---- on the offline computer: the request ----
  await nav('Licenses').click();
  const card = page.getByRole('region', { name: 'Offline computers' });
  await card.getByLabel('License key').fill(license.license_key);
  const [requestDownload] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Create activation request' }).click()]);
  const requestPath = await saved(requestDownload);
  assert.match(path.basename(requestPath), /\.ngnreq$/);
  await shot('licenses-offline-request');

  // ---- on a phone: the API's /offline page answers it ----
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, acceptDownloads: true, isMobile: true, hasTouch: true });
  const web = await phone.newPage();
  const webErrors: string[] = [];
  web.on('pageerror', (err) => webErrors.push(err.message));
  await web.goto(`${api.url}/offline`);
  await web.getByLabel('Email').fill(email);
  await web.getByLabel('Password').fill(PASSWORD);
  await web.getByRole('button', { name: 'Sign in' }).click();
  await web.getByText('Signed in as').waitFor();
  await web.getByLabel('Activation request').setInputFiles(requestPath);
  const responseLink = web.getByRole('link', { name: 'Save the activation response' });
  await Promise.race([responseLink.waitFor(), web.getByRole('alert').filter({ hasText: /./ }).waitFor()]);
  assert.equal(await web.getByRole('alert').textContent(), '', 'the /offline page shows no error');
  await web.screenshot({ path: path.join(SHOTS, 'offline-page-phone.png'), fullPage: true });
  const [responseDownload] = await Promise.all([web.waitForEvent('download'), responseLink.click()]);
  const responsePath = await saved(responseDownload);
  assert.match(path.basename(responsePath), /\.ngnresp$/);

  // ---- back on the offline computer: a response made for another computer is refused ----
  const foreign = JSON.parse(await readFile(responsePath, 'utf8'));
  const foreignPath = path.join(files, 'foreign.ngnresp');
  await writeFile(foreignPath, JSON.stringify({ ...foreign, fingerprint: randomBytes(32).toString('hex') }));
  await card.getByLabel('Load activation response').setInputFiles(foreignPath);
  await page.getByRole('alert').filter({ hasText: 'made for another computer' }).waitFor();
  await shot('licenses-offline-foreign-response', { allowErrorBanner: true });
  await page.getByRole('alert').filter({ hasText: 'made for another computer' }).getByRole('button', { name: 'Dismiss' }).click();

  // ---- ... and its own response activates it, as an online activation would ----
  await card.getByLabel('Load activation response').setInputFiles(responsePath);
  await page.getByText('Active on this machine').waitFor();
  await shot('licenses-offline-activated');
  const tokenFile = activationTokenPath(tokenEnv, PRODUCT);
  // Asynchronously: the API answering the verifier's JWKS request runs in this process.
  const cli = await promisify(execFile)('npm', ['run', '--silent', 'verify-token', '--', tokenFile, '--jwks', `${api.url}/api/v1/keys`], { cwd: ROOT });
  assert.equal(JSON.parse(cli.stdout).code, 'VALID');

  // ---- giving the seat back by receipt, uploaded from the phone ----
  await card.getByRole('button', { name: 'Deactivate Mixing Mentor by receipt' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Deactivate this computer by receipt?' });
  await confirm.waitFor();
  await shot('licenses-offline-release-confirm');
  const [receiptDownload] = await Promise.all([page.waitForEvent('download'), confirm.getByRole('button', { name: 'Deactivate and save the receipt' }).click()]);
  const receiptPath = await saved(receiptDownload);
  assert.equal(existsSync(tokenFile), false, 'the token is gone before the receipt exists');
  await web.getByLabel('Deactivation receipt').setInputFiles(receiptPath);
  await web.getByText('The seat is free.').waitFor();
  const status = await api.get(`/license/status?license_key=${license.license_key}`, alan.body.access_token);
  assert.deepEqual(status.body.activations, []);
  assert.deepEqual(webErrors, []);
  await phone.close();
  assert.deepEqual(pageErrors, []);
});

test('a dead machine without a ticket: every seat held by unreachable computers, this one runs for 7 days', { timeout: 120_000 }, async () => {
  const api = stack.t;
  const login = await api.post('/auth/login', { email: 'alan.turing@example.com', password: PASSWORD });
  const access = login.body.access_token as string;
  const [license] = (await api.get('/license/list', access)).body.licenses as Array<{ license_key: string; policy: string }>;
  for (const [machine_name, os] of [
    ['Stolen laptop', 'macOS 14'],
    ['Studio PC (dead)', 'Windows 11'],
  ]) {
    const res = await api.post('/license/activate', { license_key: license!.license_key, hardware_id: randomBytes(32).toString('hex'), machine_name, os }, access);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  await nav('Home').click();
  await nav('Licenses').click();
  await page.getByRole('button', { name: 'Activate this machine' }).first().click();
  const chooser = page.getByRole('dialog', { name: 'All seats are in use' });
  await chooser.getByRole('heading', { name: 'Can’t reach those computers?' }).waitFor();
  await shot('seat-chooser-emergency');
  await chooser.getByRole('button', { name: 'Use this computer for 7 days' }).click();
  await page.getByText(/Emergency · ends/).waitFor();
  await shot('licenses-emergency');
  const status = await api.get(`/license/status?license_key=${license!.license_key}`, access);
  const rescue = status.body.activations.find((a: { emergency_until: string | null }) => a.emergency_until);
  assert.ok(rescue, 'the emergency machine is listed with its end');
  assert.equal(status.body.activations.length, 3);

  // Not a second time within 90 days: said in the chooser, in plain words.
  await page.getByRole('button', { name: `Deactivate ${bridge.core.info().machine_name}` }).click();
  await page.getByRole('alertdialog', { name: 'Deactivate this machine?' }).getByRole('button', { name: 'Deactivate' }).click();
  await page.getByRole('button', { name: 'Activate this machine' }).first().click();
  await chooser.getByRole('button', { name: 'Use this computer for 7 days' }).click();
  await chooser.getByRole('alert').filter({ hasText: 'emergency activation in the last 90 days' }).waitFor();
  await shot('seat-chooser-emergency-used', { allowErrorBanner: true });
  await chooser.getByRole('button', { name: 'Cancel' }).click();
  assert.deepEqual(pageErrors, []);
});

test('a subscriber: the payment and its receipt in Purchases; cancelled and resumed in the billing portal, reflected in the app', { timeout: 120_000 }, async () => {
  await page.emulateMedia({ colorScheme: 'light' });
  await signOut();
  await signInConfirmed('katherine.johnson@example.com', 'Katherine');
  await nav('Buy').click();
  await page.getByRole('radio', { name: 'Monthly' }).check();
  await buyInCheckoutWindow('Standard');

  await nav('Licenses').click();
  const subscription = page.getByRole('list', { name: 'Purchases' }).getByTestId('purchase').first();
  await subscription.getByText(/^Renews /).waitFor();
  await shot('licenses-purchases-subscriber');
  const [receipt] = await Promise.all([context.waitForEvent('page'), subscription.getByRole('button', { name: /^Receipt for/ }).click()]);
  await receipt.getByRole('heading', { name: /^Receipt/ }).waitFor();
  await receipt.close();

  // Manage subscription opens Stripe's billing portal; what is done there shows here after Stripe's webhook.
  const [portal] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Manage subscription' }).click()]);
  await portal.getByRole('button', { name: 'Cancel subscription' }).click();
  await portal.getByRole('button', { name: 'Keep subscription' }).waitFor();
  // Back to the app, as the user goes (a page in the background also holds its transitions).
  await page.bringToFront();
  await subscription.getByText(/^Cancelled: ends /).waitFor({ timeout: 20_000 });
  await shot('licenses-subscription-cancelled');
  await portal.bringToFront();
  await portal.getByRole('button', { name: 'Keep subscription' }).click();
  await subscription.getByText(/^Renews /).waitFor({ timeout: 20_000 });
  await portal.close();
  assert.deepEqual(pageErrors, []);
});

import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { signUp } from './helpers/api';
import { createCheckout, startPurchaseStack, type PurchaseStack } from './helpers/purchases';

let s: PurchaseStack;
before(async () => {
  s = await startPurchaseStack();
});
after(() => s.close());

const page = (p: string) => fetch(`${s.t.url}${p}`, { redirect: 'manual' });

describe('legal pages (seed §5.1)', () => {
  it('serves the shipped terms and privacy policy as HTML under a CSP without scripts', async () => {
    for (const [pathname, heading] of [['/terms', 'Terms of service'], ['/privacy', 'Privacy policy']] as const) {
      const res = await page(pathname);
      assert.equal(res.status, 200, pathname);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.doesNotMatch(csp, /script-src/);
      const html = await res.text();
      assert.ok(html.includes(`<h1>${heading}</h1>`), html.slice(0, 400));
      assert.ok(html.includes(`<title>${heading} · NextGen Noise</title>`));
    }
  });

  it("serves the operator's own Markdown from the legal folder once it exists, without a restart", async () => {
    const dir = s.t.config.legalDir;
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/terms.md`, '# Our terms\n\nPlay **fair**.\n\n<script>alert(1)</script>\n');
    try {
      const res = await page('/terms');
      const html = await res.text();
      assert.ok(html.includes('<h1>Our terms</h1>'));
      assert.ok(html.includes('<strong>fair</strong>'));
      assert.doesNotMatch(res.headers.get('content-security-policy') ?? '', /script-src/, 'markup in the text cannot run');
      assert.ok((await (await page('/privacy')).text()).includes('<h1>Privacy policy</h1>'), 'a missing file falls back to the default');
    } finally {
      await rm(`${dir}/terms.md`);
    }
  });

  it('links both from the checkout page before payment', async () => {
    const u = await signUp(s.t);
    const checkout = await createCheckout(s.t, u.access);
    const html = await (await page(`/checkout?session_id=${checkout.session_id}`)).text();
    const form = html.indexOf('id="checkout"');
    assert.ok(form > 0);
    for (const link of ['href="/terms"', 'href="/privacy"']) {
      const at = html.indexOf(link);
      assert.ok(at > 0 && at < form, `${link} appears before the payment form`);
    }
  });
});

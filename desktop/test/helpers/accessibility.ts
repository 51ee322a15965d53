import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
/** axe-core's browser build, evaluated in the page through the DevTools protocol, which the page's CSP does not govern. */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * Serious and critical WCAG 2.1 A/AA findings of axe-core on the page as it
 * is now, in the given colour scheme (the page's own scheme is put back).
 */
export async function accessibilityFindings(page: Page, colorScheme: 'light' | 'dark'): Promise<AxeFinding[]> {
  const before = await page.evaluate(() => (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  // Colour transitions would let axe read colours half way between two schemes (and a
  // page in the background, behind the checkout window, may not run them at all):
  // reduced motion turns them off while the scheme changes.
  const switchTo = async (scheme: 'light' | 'dark') => {
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
    await page.waitForTimeout(50);
    await page.emulateMedia({ reducedMotion: null });
  };
  if (before !== colorScheme) await switchTo(colorScheme);
  try {
    const present = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
    if (!present) await page.evaluate(AXE_SOURCE);
    return await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; html: string }[] }[] }> } }).axe;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ rule: v.id, impact: v.impact ?? '', help: v.help, targets: v.nodes.map((n) => n.target.join(' ') + ' ' + n.html.slice(0, 120)) }));
    });
  } finally {
    if (before !== colorScheme) await switchTo(before);
  }
}

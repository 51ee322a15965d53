import { escapeHtml } from '../../lib/mail';
import type { Module } from '../module';
import { LEGAL_DOCUMENTS, LegalDocuments, type LegalDocument } from './documents';

const LEGAL_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** /terms and /privacy (seed §5.1), outside /api/v1 like the checkout pages, whose stylesheet they share. */
export const legalModule: Module = (m) => {
  const documents = new LegalDocuments(m.config.legalDir);
  for (const doc of Object.keys(LEGAL_DOCUMENTS) as LegalDocument[]) {
    m.rootRouter.get(`/${doc}`, async (ctx) => {
      const body = await documents.html(doc);
      const title = LEGAL_DOCUMENTS[doc].title;
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('Content-Security-Policy', LEGAL_CSP);
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><title>${escapeHtml(title)} · NextGen Noise</title><link rel="stylesheet" href="/checkout/assets/checkout.css"></head><body><main class="legal">${body}</main></body></html>`;
    });
  }
};

import type { Module } from '../module';
import { OFFLINE_JS, offlinePage } from './page';

const OFFLINE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** /offline: activation by file from any online device (see licenses/file-activation.ts). */
export const offlineModule: Module = (m) => {
  m.rootRouter.get('/offline', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Content-Security-Policy', OFFLINE_CSP);
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = offlinePage();
  });
  m.rootRouter.get('/offline/assets/offline.js', (ctx) => {
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = OFFLINE_JS;
  });
};

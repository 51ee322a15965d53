import { escapeHtml } from '../../lib/mail';

/**
 * The /offline page: on any online device (a phone will do), sign in and turn
 * an offline computer's files into answers. Plain HTML and one script under a
 * CSP that allows nothing but this origin; the session lives in the page's
 * memory only and ends with it.
 */
export function offlinePage(): string {
  const title = 'Activate an offline computer';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"><title>${escapeHtml(title)} · NextGen Noise</title><link rel="stylesheet" href="/checkout/assets/checkout.css"></head><body><main>
<h1>${escapeHtml(title)}</h1>
<p class="summary">For a studio computer that never goes online: bring its file here, take the answer back on a USB stick.</p>
<form id="sign-in" class="stack">
  <h2>Sign in</h2>
  <label>Email <input type="email" name="email" autocomplete="username" required></label>
  <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
  <div class="actions"><button class="button" type="submit">Sign in</button></div>
</form>
<div id="signed-in" hidden>
  <p class="summary">Signed in as <strong id="who"></strong>. <button class="link" type="button" id="sign-out">Sign out</button></p>
  <section class="stack" aria-labelledby="activate-title">
    <h2 id="activate-title">1. Activate: upload the request</h2>
    <p>On the offline computer, NextGen Noise Companion wrote an <strong>activation request</strong> (a <code>.ngnreq</code> file). Choose it here and save the answer, a <code>.ngnresp</code> file, to load there.</p>
    <label>Activation request <input type="file" id="request-file" accept=".ngnreq,application/json"></label>
    <p id="activate-result" role="status"></p>
    <div class="actions"><a class="button" id="response-link" hidden>Save the activation response</a></div>
  </section>
  <section class="stack" aria-labelledby="receipt-title">
    <h2 id="receipt-title">2. Free a seat: upload the receipt</h2>
    <p>When the offline computer deactivated itself, it wrote a <strong>deactivation receipt</strong> (a <code>.ngnreceipt</code> file). Upload it to free its seat at once.</p>
    <label>Deactivation receipt <input type="file" id="receipt-file" accept=".ngnreceipt,application/json"></label>
    <p id="receipt-result" role="status"></p>
  </section>
</div>
<p id="error" role="alert"></p>
</main><script src="/offline/assets/offline.js"></script></body></html>`;
}

/** The page's script: fetches to this origin only, with the session in memory. */
export const OFFLINE_JS = `(() => {
  const $ = (id) => document.getElementById(id);
  let access = null;
  const error = (text) => { $('error').textContent = text || ''; };
  async function api(path, body) {
    const res = await fetch('/api/v1' + path, {
      method: 'POST',
      headers: Object.assign({ 'content-type': 'application/json' }, access ? { authorization: 'Bearer ' + access } : {}),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.message || 'The server answered ' + res.status + '.');
    return data;
  }
  async function fileJson(input) {
    const file = input.files && input.files[0];
    if (!file) return null;
    if (file.size > 64 * 1024) throw new Error('This file is too large to be one of ours.');
    try { return JSON.parse(await file.text()); } catch { throw new Error('This is not a NextGen Noise file.'); }
  }
  $('sign-in').addEventListener('submit', async (event) => {
    event.preventDefault();
    error('');
    const form = new FormData(event.target);
    try {
      const tokens = await api('/auth/login', { email: form.get('email'), password: form.get('password') });
      access = tokens.access_token;
      $('who').textContent = String(form.get('email'));
      event.target.reset();
      $('sign-in').hidden = true;
      $('signed-in').hidden = false;
    } catch (e) { error(e.message); }
  });
  $('sign-out').addEventListener('click', async () => {
    await api('/auth/logout').catch(() => undefined);
    access = null;
    location.reload();
  });
  $('request-file').addEventListener('change', async (event) => {
    error('');
    $('activate-result').textContent = '';
    $('response-link').hidden = true;
    try {
      const request = await fileJson(event.target);
      if (!request) return;
      const response = await api('/license/offline/activate', request);
      const blob = new Blob([JSON.stringify(response, null, 2) + '\\n'], { type: 'application/json' });
      const link = $('response-link');
      link.href = URL.createObjectURL(blob);
      link.download = response.product + '-' + String(request.machine_name || 'computer').replace(/[^A-Za-z0-9_-]+/g, '-') + '.ngnresp';
      link.hidden = false;
      $('activate-result').textContent = 'Activated “' + request.machine_name + '”. Save the response and load it on that computer.';
    } catch (e) { error(e.message); }
    event.target.value = '';
  });
  $('receipt-file').addEventListener('change', async (event) => {
    error('');
    $('receipt-result').textContent = '';
    try {
      const receipt = await fileJson(event.target);
      if (!receipt) return;
      await api('/license/offline/deactivate', receipt);
      $('receipt-result').textContent = 'The seat is free.';
    } catch (e) { error(e.message); }
    event.target.value = '';
  });
})();
`;

/** A license key, masked until the user reveals it, with a copy button. */
import { useState } from 'react';
import { maskLicenseKey } from '../lib/format';
import { useToast } from './Toast';
import { Button } from './ui';

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard permission (e.g. an unfocused page): fall back to a selection copy.
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand?.('copy') ?? false;
    area.remove();
    return ok;
  }
}

export function LicenseKey({ value, revealed: initiallyRevealed = false }: { value: string; revealed?: boolean }) {
  const [revealed, setRevealed] = useState(initiallyRevealed);
  const toast = useToast();
  return (
    <span className="license-key">
      <code aria-label={revealed ? `License key ${value}` : 'License key, hidden'} data-testid="license-key">
        {revealed ? value : maskLicenseKey(value)}
      </code>
      <Button size="sm" variant="ghost" iconOnly icon={revealed ? 'eyeOff' : 'eye'} aria-label={revealed ? 'Hide license key' : 'Reveal license key'} aria-pressed={revealed} onClick={() => setRevealed((r) => !r)} />
      <Button
        size="sm"
        variant="ghost"
        iconOnly
        icon="copy"
        aria-label="Copy license key"
        onClick={async () => toast((await copyText(value)) ? 'License key copied' : 'Could not copy: select the key and copy it by hand')}
      />
    </span>
  );
}

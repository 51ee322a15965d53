import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LicenseKey } from '../../src/renderer/components/LicenseKey';
import { ToastProvider } from '../../src/renderer/components/Toast';

afterEach(cleanup);

const KEY = 'NG-ABCD-EFGH-7QK4';

describe('LicenseKey', () => {
  it('is masked until revealed, and hides again', () => {
    render(<LicenseKey value={KEY} />);
    const reveal = screen.getByRole('button', { name: 'Reveal license key' });
    expect(screen.getByTestId('license-key').textContent).toBe('NG-••••-••••-7QK4');
    expect(reveal.getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(reveal);
    expect(screen.getByTestId('license-key').textContent).toBe(KEY);
    fireEvent.click(screen.getByRole('button', { name: 'Hide license key' }));
    expect(screen.getByTestId('license-key').textContent).toBe('NG-••••-••••-7QK4');
  });

  it('copies the whole key, even while masked, and says so', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    render(
      <ToastProvider>
        <LicenseKey value={KEY} />
      </ToastProvider>,
    );
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Copy license key' }));
    });
    expect(writeText).toHaveBeenCalledWith(KEY);
    expect(screen.getByRole('status').textContent).toContain('License key copied');
  });
});

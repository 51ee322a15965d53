import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { ActivationSummary } from '@ngn/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SeatChooser, suggestedMachine } from '../../src/renderer/components/SeatChooser';

afterEach(cleanup);

const day = 86_400_000;
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

const machines: ActivationSummary[] = [
  { id: '00000000-0000-4000-8000-000000000001', machine_name: 'Studio Desktop', os: 'Windows 11', activated_at: iso(40 * day), last_validated: iso(1 * day), stale: false },
  { id: '00000000-0000-4000-8000-000000000002', machine_name: 'Old Laptop', os: 'macOS 13', activated_at: iso(90 * day), last_validated: iso(60 * day), stale: true },
];

describe('SeatChooser', () => {
  it('suggests the machine not seen lately', () => {
    expect(suggestedMachine(machines)?.machine_name).toBe('Old Laptop');
    expect(suggestedMachine([machines[0]!])?.machine_name).toBe('Studio Desktop');
    expect(suggestedMachine([])).toBeUndefined();
  });

  it('lists every machine with its OS and preselects the suggestion', () => {
    render(<SeatChooser licenseLabel="Mixing Mentor Standard" maxActivations={2} machines={machines} onFree={async () => {}} onClose={() => {}} />);
    const dialog = screen.getByRole('dialog', { name: 'All seats are in use' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    const radios = within(dialog).getAllByRole('radio') as HTMLInputElement[];
    expect(radios).toHaveLength(2);
    expect(radios[1]!.checked).toBe(true);
    expect(within(dialog).getByText(/Windows 11/)).toBeTruthy();
    expect(within(dialog).getByText('Not seen lately')).toBeTruthy();
    expect(within(dialog).getByText(/works on 2 machines at a time/)).toBeTruthy();
  });

  it('asks for confirmation before freeing the chosen seat', async () => {
    const onFree = vi.fn(async () => {});
    render(<SeatChooser licenseLabel="Mixing Mentor Standard" maxActivations={2} machines={machines} onFree={onFree} onClose={() => {}} />);
    fireEvent.click(screen.getByRole('radio', { name: /Studio Desktop/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(onFree).not.toHaveBeenCalled();
    const confirm = screen.getByRole('alertdialog', { name: 'Free the seat of “Studio Desktop”?' });
    await act(async () => {
      fireEvent.click(within(confirm).getByRole('button', { name: 'Deactivate and activate this machine' }));
    });
    expect(onFree).toHaveBeenCalledWith('00000000-0000-4000-8000-000000000001');
  });

  it('starts the confirmation on the safe choice and goes back to the list from it', () => {
    render(<SeatChooser licenseLabel="Mixing Mentor Standard" maxActivations={2} machines={machines} onFree={async () => {}} onClose={() => {}} />);
    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Back' }));
    fireEvent.click(screen.getByRole('button', { name: 'Back' }));
    expect(screen.getByRole('dialog', { name: 'All seats are in use' })).toBeTruthy();
  });

  it('shows the error when freeing fails and lets the user try again', async () => {
    const onFree = vi.fn().mockRejectedValueOnce({ code: 'offline', message: 'The API cannot be reached.' }).mockResolvedValueOnce(undefined);
    render(<SeatChooser licenseLabel="Mixing Mentor Standard" maxActivations={2} machines={machines} onFree={onFree} onClose={() => {}} />);
    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
    const confirmButton = screen.getByRole('button', { name: 'Deactivate and activate this machine' });
    await act(async () => {
      fireEvent.click(confirmButton);
    });
    expect(screen.getByRole('alert').textContent).toContain('The API cannot be reached.');
    await act(async () => {
      fireEvent.click(confirmButton);
    });
    expect(onFree).toHaveBeenCalledTimes(2);
  });

  it('closes on Escape and on Cancel', () => {
    const onClose = vi.fn();
    render(<SeatChooser licenseLabel="Mixing Mentor Standard" maxActivations={2} machines={machines} onFree={async () => {}} onClose={onClose} />);
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onClose).toHaveBeenCalledTimes(2);
  });
});

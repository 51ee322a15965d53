/**
 * "Activate this machine" wherever it appears: activates, and when every seat
 * is taken opens the seat chooser, frees the chosen machine and activates again.
 */
import { useState } from 'react';
import type { ActivationSummary } from '@ngn/shared';
import { SeatChooser } from '../components/SeatChooser';
import { useToast } from '../components/Toast';
import { useAppState } from './app-state';
import { useAction, useCall, type UiError } from './companion-hooks';

interface SeatChoice {
  licenseKey: string;
  label: string;
  max: number;
  machines: ActivationSummary[];
}

/**
 * Activates this machine; when the seats are full, hands the choice to the
 * seat chooser. `quiet` leaves the confirmation to the caller's own screen.
 */
export function useActivate(onDone: () => void, { quiet = false }: { quiet?: boolean } = {}) {
  const call = useCall();
  const { refreshActivation } = useAppState();
  const toast = useToast();
  const [choice, setChoice] = useState<SeatChoice | null>(null);
  const action = useAction(async (licenseKey: string, label: string) => {
    const result = await call('activation:activate', { license_key: licenseKey });
    if (result.status === 'max_activations_reached') {
      setChoice({ licenseKey, label, max: result.max_activations, machines: result.activations });
      return;
    }
    await refreshActivation();
    if (!quiet) toast(result.already_active ? 'This machine was already activated' : 'This machine is activated');
    onDone();
  });

  const freeAndActivate = async (activationId: string) => {
    if (!choice) return;
    await call('activation:deactivate', { activation_id: activationId });
    const result = await call('activation:activate', { license_key: choice.licenseKey });
    if (result.status === 'max_activations_reached') {
      // Someone took the freed seat first: show the fresh list.
      setChoice({ ...choice, machines: result.activations });
      throw { code: 'max_activations_reached', message: 'Another machine took that seat first. Choose again.' } satisfies UiError;
    }
    setChoice(null);
    await refreshActivation();
    if (!quiet) toast('Seat freed and this machine activated');
    onDone();
  };

  const emergency = async () => {
    if (!choice) return;
    await call('activation:emergency', { license_key: choice.licenseKey });
    setChoice(null);
    await refreshActivation();
    if (!quiet) toast('This computer works for 7 days');
    onDone();
  };

  const chooser = choice && (
    <SeatChooser
      licenseLabel={choice.label}
      maxActivations={choice.max}
      machines={choice.machines}
      onFree={freeAndActivate}
      onEmergency={emergency}
      onClose={() => (setChoice(null), onDone())}
    />
  );
  return { action, chooser };
}


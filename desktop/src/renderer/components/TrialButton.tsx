/**
 * "Start 14-day trial": one click to a working plugin on this machine. The API
 * issues the trial and activates this machine in the same call; it says no
 * (in words the screen's error banner shows) when the account or this computer
 * has had the trial, or the email address is not confirmed yet.
 */
import { useToast } from './Toast';
import { Button } from './ui';
import { useAppState } from '../lib/app-state';
import { useAction, useCall } from '../lib/companion-hooks';

export function useStartTrial(product: string, onStarted: () => void) {
  const call = useCall();
  const { refreshActivation } = useAppState();
  const toast = useToast();
  return useAction(async () => {
    await call('activation:start-trial', { product });
    await refreshActivation();
    toast('Your 14-day trial has started on this machine');
    onStarted();
  });
}

export function TrialButton({ trial, variant = 'primary' }: { trial: ReturnType<typeof useStartTrial>; variant?: 'primary' | 'secondary' }) {
  return (
    <Button variant={variant} icon="sparkles" busy={trial.busy} onClick={() => void trial.run()}>
      Start 14-day trial
    </Button>
  );
}

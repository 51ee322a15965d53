import type { ReactNode } from 'react';
import { navigate } from '../lib/router';
import { Button, EmptyState } from './ui';

/** What a screen shows when it needs a license and there is none: the way to buy one, and to add a key where the screen can. */
export function NoLicensesYet({
  title = 'No licenses yet',
  onActivateWithKey,
  children,
}: {
  title?: string;
  onActivateWithKey?: () => void;
  children: ReactNode;
}) {
  return (
    <EmptyState
      icon="key"
      title={title}
      actions={
        <>
          <Button variant="primary" icon="bag" onClick={() => navigate('buy')}>
            See plans
          </Button>
          {onActivateWithKey && (
            <Button icon="key" onClick={onActivateWithKey}>
              Activate with a key
            </Button>
          )}
        </>
      }
    >
      {children}
    </EmptyState>
  );
}

/** Boots the UI on `window.companion` (Electron's preload, or the local bridge in a browser). */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { getCompanion } from './companion-transport';
import './styles/tokens.css';
import './styles/base.css';
import './styles/components.css';
import './styles/layout.css';

const root = createRoot(document.getElementById('root')!);

try {
  const api = getCompanion();
  root.render(
    <StrictMode>
      <App api={api} />
    </StrictMode>,
  );
} catch (err) {
  // No preload and no bridge token in the address: say how to open it properly.
  root.render(
    <div className="crash">
      <div className="banner banner-error" role="alert" style={{ maxWidth: 520 }}>
        <div className="banner-body">
          <div className="banner-title">The companion is not connected</div>
          <p>{err instanceof Error ? err.message : String(err)}</p>
        </div>
      </div>
    </div>,
  );
}

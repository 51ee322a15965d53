import path from 'node:path';
import { app, Menu, nativeImage, Tray } from 'electron';
import type { ActivationState, AuthState } from '../contract/models';

export interface TrayOptions {
  onOpen: () => void;
  onQuit: () => void;
}

/** The tray icon: a status line (who is signed in, what is activated), Open and Quit. */
export class CompanionTray {
  private readonly tray: Tray;
  private auth: AuthState | null = null;
  private activation: ActivationState | null = null;

  constructor(private readonly opts: TrayOptions) {
    const icon = nativeImage.createFromPath(path.join(app.getAppPath(), 'resources', 'tray.png'));
    this.tray = new Tray(icon.resize({ width: 16, height: 16 }));
    this.tray.setToolTip('NextGen Noise Companion');
    this.tray.on('click', () => opts.onOpen());
    this.render();
  }

  update(patch: { auth?: AuthState; activation?: ActivationState }): void {
    if (patch.auth) this.auth = patch.auth;
    if (patch.activation) this.activation = patch.activation;
    this.render();
  }

  private statusLine(): string {
    if (!this.auth?.signed_in) return 'Signed out';
    const who = this.auth.user?.email ?? 'Signed in';
    const products = this.activation?.activations.filter((a) => a.verdict === 'VALID').length ?? 0;
    const offline = this.auth.online ? '' : ' (offline)';
    return `${who}: ${products ? `${products} product(s) active` : 'no activation'}${offline}`;
  }

  private render(): void {
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: this.statusLine(), enabled: false },
        { type: 'separator' },
        { label: 'Open NextGen Noise Companion', click: () => this.opts.onOpen() },
        { label: 'Quit', click: () => this.opts.onQuit() },
      ]),
    );
  }

  destroy(): void {
    this.tray.destroy();
  }
}

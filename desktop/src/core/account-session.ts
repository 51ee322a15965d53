import type { TokenPair, UserProfile } from '@ngn/shared';
import { CompanionError } from '../contract/errors';
import type { ChannelHandlers, CompanionEvents } from '../contract/ipc';
import type { AuthState } from '../contract/models';
import type { ActivationManager } from './activation-manager';
import type { ApiClient } from './api-client';
import type { Emitter } from './emitter';
import type { Logger } from './logger';

type AccountChannel = Extract<keyof ChannelHandlers, `auth:${string}` | `account:${string}`>;

/**
 * The signed-in account: the session (refresh token in the keychain, through
 * the API client), the cached profile, and the auth and account channels.
 * Signing out frees this machine's seats first; every change of who is signed
 * in is announced on `auth:changed`.
 */
export class AccountSession {
  private user: UserProfile | null = null;

  constructor(
    private readonly deps: {
      api: ApiClient;
      activation: ActivationManager;
      events: Emitter<CompanionEvents>;
      logger: Logger;
      /** Called after each sign-in (the plugin update checks start then). */
      onSignedIn: () => void;
    },
  ) {
    deps.api.events.on('session', ({ signed_in }) => {
      // Sign-in announces itself once the profile is loaded; an ending session (sign-out, refused refresh) at once.
      if (signed_in) return;
      this.user = null;
      deps.events.emit('auth:changed', { signed_in: false, user: null, online: deps.api.isOnline });
    });
  }

  async state(): Promise<AuthState> {
    const { api } = this.deps;
    const signedIn = await api.hasSession();
    if (signedIn && !this.user) {
      try {
        this.user = await api.call('profile');
      } catch (err) {
        // Offline: still signed in, the profile comes later. A refused session ended it (not_signed_in).
        if (!(err instanceof CompanionError) || !['offline', 'timeout', 'not_signed_in'].includes(err.code)) throw err;
      }
    }
    return { signed_in: await api.hasSession(), user: this.user, online: api.isOnline };
  }

  /** The profile is read again (e.g. after the API origin or the profile changed), and the new state announced. */
  async reload(user: UserProfile | null = null): Promise<AuthState> {
    this.user = user;
    const state = await this.state();
    this.deps.events.emit('auth:changed', state);
    return state;
  }

  handlers(): Pick<ChannelHandlers, AccountChannel> {
    const { api, activation } = this.deps;
    return {
      'auth:state': () => this.state(),
      'auth:login': async (body) => this.signIn(await api.call('login', { body })),
      'auth:register': async (body) => {
        await api.call('register', { body });
        return this.signIn(await api.call('login', { body: { email: body.email, password: body.password } }));
      },
      'auth:logout': () => this.signOut(),
      'auth:forgot-password': async (body) => void (await api.call('forgotPassword', { body })),
      'auth:resend-verification': async () => void (await api.call('resendVerification')),
      'auth:verify-email': async (body) => {
        await api.call('verifyEmail', { body });
        // The cached profile still says "unverified": load it again.
        return this.reload();
      },
      'auth:reset-password': async (body) => void (await api.call('resetPassword', { body })),
      'auth:change-password': async (body) => void (await api.call('changePassword', { body })),

      'account:update-profile': async (body) => this.reload(await api.call('updateProfile', { body })),
      'account:export': () => api.call('exportAccount'),
      'account:delete': async (body) => {
        await api.call('deleteAccount', { body });
        // The server already freed the seats; this forgets the tokens and token files here.
        await activation.releaseAll();
        await api.endSession();
        return this.reload();
      },
    };
  }

  /** This machine stops being the user's: its seats are freed (when online) and every secret goes. */
  async signOut(): Promise<AuthState> {
    const { api, activation, logger } = this.deps;
    if (await api.hasSession()) {
      await activation.releaseAll();
      try {
        await api.call('logout');
      } catch (err) {
        logger.warn({ err }, 'the server could not be told about the sign-out');
      }
    }
    await api.endSession();
    return this.state();
  }

  private async signIn(pair: TokenPair): Promise<AuthState> {
    await this.deps.api.startSession(pair);
    const state = await this.reload();
    this.deps.onSignedIn();
    return state;
  }
}

import {
  ForgotPasswordRequest,
  LoginRequest,
  MessageResponse,
  RefreshRequest,
  RegisterRequest,
  ResetPasswordRequest,
  TokenPair,
  UserProfile,
  VerifyEmailRequest,
} from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import { limitByIp } from '../../lib/rate-limit';
import type { Module } from '../module';

export const authModule: Module = (m) => {
  const { auth } = m.services;
  const perIp = limitByIp(
    m.rateLimits.create({ prefix: 'auth_ip', points: m.config.rateLimits.authPerMinute, durationSeconds: 60 }),
  );
  m.router.use('/auth', perIp);
  const tags = ['auth'];

  m.route(
    { method: 'post', path: '/auth/register', summary: 'Create an account', tags, access: 'public', body: RegisterRequest, response: UserProfile, status: 201, errors: { 429: 'Rate limited' } },
    ({ body, ctx }) => auth.register(body, requestMeta(ctx)),
  );
  m.route(
    { method: 'post', path: '/auth/login', summary: 'Sign in', tags, access: 'public', body: LoginRequest, response: TokenPair, errors: { 401: 'Invalid credentials', 403: 'Suspended', 429: 'Rate limited' } },
    ({ body, ctx }) => auth.login(body.email, body.password, requestMeta(ctx)),
  );
  m.route(
    { method: 'post', path: '/auth/refresh', summary: 'Rotate the refresh token', tags, access: 'public', body: RefreshRequest, response: TokenPair, errors: { 401: 'Invalid, expired, revoked or reused token' } },
    ({ body, ctx }) => auth.refresh(body.refresh_token, requestMeta(ctx)),
  );
  m.route(
    { method: 'post', path: '/auth/logout', summary: 'Sign out this session', tags, access: 'user', response: MessageResponse },
    async ({ user, ctx }) => {
      if (user.sessionId) await auth.logout(user.sessionId, user.id, requestMeta(ctx));
      return { message: 'logged_out' };
    },
  );
  m.route(
    { method: 'post', path: '/auth/verify-email', summary: 'Confirm the email address with the mailed token', tags, access: 'public', body: VerifyEmailRequest, response: MessageResponse },
    async ({ body, ctx }) => {
      await auth.verifyEmail(body.token, requestMeta(ctx));
      return { message: 'email_verified' };
    },
  );
  m.route(
    { method: 'post', path: '/auth/resend-verification', summary: 'Mail a new verification token', tags, access: 'user', response: MessageResponse },
    async ({ user }) => {
      await auth.resendVerification(user.id);
      return { message: 'verification_email_sent' };
    },
  );
  m.route(
    { method: 'post', path: '/auth/forgot-password', summary: 'Mail a password reset token', tags, access: 'public', body: ForgotPasswordRequest, response: MessageResponse },
    async ({ body, ctx }) => {
      await auth.forgotPassword(body.email, requestMeta(ctx));
      return { message: 'reset_email_sent' };
    },
  );
  m.route(
    { method: 'post', path: '/auth/reset-password', summary: 'Set a new password with the mailed token', tags, access: 'public', body: ResetPasswordRequest, response: MessageResponse },
    async ({ body, ctx }) => {
      await auth.resetPassword(body.token, body.new_password, requestMeta(ctx));
      return { message: 'password_reset' };
    },
  );
};

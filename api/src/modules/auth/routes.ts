import { endpoints } from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import { limitByIp } from '../../lib/rate-limit';
import type { Module } from '../module';

export const authModule: Module = (m) => {
  const { auth } = m.services;
  const perIp = limitByIp(
    m.rateLimits.create({ prefix: 'auth_ip', points: m.config.rateLimits.authPerMinute, durationSeconds: 60 }),
  );
  m.router.use('/auth', perIp);

  m.route(
    endpoints.register,
    ({ body, ctx }) => auth.register(body, requestMeta(ctx)),
  );
  m.route(
    endpoints.login,
    ({ body, ctx }) => auth.login(body.email, body.password, requestMeta(ctx)),
  );
  m.route(
    endpoints.refresh,
    ({ body, ctx }) => auth.refresh(body.refresh_token, requestMeta(ctx)),
  );
  m.route(
    endpoints.logout,
    async ({ user, ctx }) => {
      if (user.sessionId) await auth.logout(user.sessionId, user.id, requestMeta(ctx));
      return { message: 'logged_out' };
    },
  );
  m.route(
    endpoints.verifyEmail,
    async ({ body, ctx }) => {
      await auth.verifyEmail(body.token, requestMeta(ctx));
      return { message: 'email_verified' };
    },
  );
  m.route(
    endpoints.resendVerification,
    async ({ user }) => {
      await auth.resendVerification(user.id);
      return { message: 'verification_email_sent' };
    },
  );
  m.route(
    endpoints.forgotPassword,
    async ({ body, ctx }) => {
      await auth.forgotPassword(body.email, requestMeta(ctx));
      return { message: 'reset_email_sent' };
    },
  );
  m.route(
    endpoints.resetPassword,
    async ({ body, ctx }) => {
      await auth.resetPassword(body.token, body.new_password, requestMeta(ctx));
      return { message: 'password_reset' };
    },
  );
};

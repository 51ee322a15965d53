import { endpoints } from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import type { Module } from '../module';

export const usersModule: Module = (m) => {
  const { users } = m.services;

  m.route(
    endpoints.profile,
    ({ user }) => users.profile(user.id),
  );
  m.route(
    endpoints.updateProfile,
    ({ user, body }) => users.updateProfile(user.id, body),
  );
  m.route(
    endpoints.changePassword,
    async ({ user, body, ctx }) => {
      await m.services.auth.changePassword(user, body.current_password, body.new_password, requestMeta(ctx));
      return { message: 'password_changed' };
    },
  );
};

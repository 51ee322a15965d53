import { ChangePasswordRequest, MessageResponse, UpdateProfileRequest, UserProfile } from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import type { Module } from '../module';

export const usersModule: Module = (m) => {
  const { users } = m.services;
  const tags = ['user'];

  m.route(
    { method: 'get', path: '/user/profile', summary: 'My profile', tags, access: 'user', response: UserProfile },
    ({ user }) => users.profile(user.id),
  );
  m.route(
    { method: 'put', path: '/user/profile', summary: 'Update my name and what I am mailed (newsletter, new versions)', tags, access: 'user', body: UpdateProfileRequest, response: UserProfile },
    ({ user, body }) => users.updateProfile(user.id, body),
  );
  m.route(
    { method: 'put', path: '/user/password', summary: 'Change my password', tags, access: 'user', body: ChangePasswordRequest, response: MessageResponse },
    async ({ user, body, ctx }) => {
      await m.services.auth.changePassword(user, body.current_password, body.new_password, requestMeta(ctx));
      return { message: 'password_changed' };
    },
  );
};

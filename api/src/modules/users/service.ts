import type { UpdateProfileRequest, UserProfile } from '@ngn/shared';
import { User } from '../../db/models';
import { notFound } from '../../lib/errors';
import { toProfile } from './profile';

export class UsersService {
  async profile(userId: string): Promise<UserProfile> {
    const user = await User.findByPk(userId);
    if (!user) throw notFound('User');
    return toProfile(user);
  }

  async updateProfile(userId: string, changes: UpdateProfileRequest): Promise<UserProfile> {
    const user = await User.findByPk(userId);
    if (!user) throw notFound('User');
    await user.update(changes);
    return toProfile(user);
  }
}

import type { NewsletterService } from '../newsletter/service';
import type { UpdateProfileRequest, UserProfile } from '@ngn/shared';
import { User } from '../../db/models';
import { notFound } from '../../lib/errors';
import { toProfile } from './profile';

/** The profile every module shows of a user (sign-in answers carry it too). */
export { toProfile };

export class UsersService {
  constructor(private readonly newsletter: NewsletterService) {}

  async profile(userId: string): Promise<UserProfile> {
    const user = await User.findByPk(userId);
    if (!user) throw notFound('User');
    return toProfile(user);
  }

  async updateProfile(userId: string, changes: UpdateProfileRequest): Promise<UserProfile> {
    const user = await User.findByPk(userId);
    if (!user) throw notFound('User');
    const { newsletter, ...rest } = changes;
    // Consent has its own record (when, from where) and its own sync to Mailchimp.
    if (newsletter !== undefined) await this.newsletter.setConsent(userId, newsletter, 'settings');
    await user.reload();
    if (Object.keys(rest).length) await user.update(rest);
    // A change of name is the member's too.
    if (rest.first_name !== undefined || rest.last_name !== undefined) await this.newsletter.requestSync(userId);
    return toProfile(user);
  }
}

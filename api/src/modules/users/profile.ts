import type { UserProfile } from '@ngn/shared';
import type { User } from '../../db/models';

export function toProfile(user: User): UserProfile {
  return {
    id: user.id,
    email: user.email,
    first_name: user.first_name,
    last_name: user.last_name,
    email_verified: user.email_verified_at !== null,
    role: user.role,
    created_at: user.created_at.toISOString(),
    stripe_customer_id: user.stripe_customer_id,
    newsletter: user.newsletter,
    update_mails: user.update_mails,
  };
}

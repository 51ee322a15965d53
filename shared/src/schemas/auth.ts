import { z } from 'zod';
import { Email, IsoDateTime, Password, PersonName, Role, Uuid } from './common';

export const RegisterRequest = z.strictObject({
  email: Email,
  password: Password,
  first_name: PersonName,
  last_name: PersonName,
  /** The newsletter, off unless ticked (consent is never assumed). */
  newsletter: z.boolean().optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const UserProfile = z.object({
  id: Uuid,
  email: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  email_verified: z.boolean(),
  role: Role,
  created_at: IsoDateTime,
  stripe_customer_id: z.string().nullable(),
  /** Receives the newsletter (Mailchimp); off by default. */
  newsletter: z.boolean(),
  /** Receives a mail when a plugin they hold a license for has a new version; off by default. */
  update_mails: z.boolean(),
});
export type UserProfile = z.infer<typeof UserProfile>;

export const LoginRequest = z.strictObject({
  email: Email,
  // Login never applies the password policy: old passwords must still work.
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const TokenPair = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().positive(),
});
export type TokenPair = z.infer<typeof TokenPair>;

export const RefreshRequest = z.strictObject({ refresh_token: z.string().min(10).max(512) });
export type RefreshRequest = z.infer<typeof RefreshRequest>;

export const ForgotPasswordRequest = z.strictObject({ email: Email });
export const ResetPasswordRequest = z.strictObject({
  token: z.string().min(10).max(512),
  new_password: Password,
});
export const VerifyEmailRequest = z.strictObject({ token: z.string().min(10).max(512) });
export const ResendVerificationRequest = z.strictObject({}).optional();

export const UpdateProfileRequest = z
  .strictObject({ first_name: PersonName.optional(), last_name: PersonName.optional(), newsletter: z.boolean().optional(), update_mails: z.boolean().optional() })
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: 'Send first_name, last_name, newsletter, update_mails or several.',
  });
export type UpdateProfileRequest = z.infer<typeof UpdateProfileRequest>;

export const ChangePasswordRequest = z.strictObject({
  current_password: z.string().min(1).max(256),
  new_password: Password,
});
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;

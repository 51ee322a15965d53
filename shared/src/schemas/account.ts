import { z } from 'zod';

/** Deleting an account asks for the password again, so a stolen session alone cannot do it. */
export const DeleteAccountRequest = z.strictObject({ password: z.string().min(1).max(256) });
export type DeleteAccountRequest = z.infer<typeof DeleteAccountRequest>;

/** Version of the personal-data export format (`GET /user/export`). */
export const ACCOUNT_EXPORT_FORMAT = 1;

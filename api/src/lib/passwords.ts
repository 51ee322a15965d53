import os from 'node:os';
import argon2 from 'argon2';
import pLimit from 'p-limit';

/**
 * argon2id runs on libuv's thread pool, so hashing never blocks the event loop.
 * Parameters follow OWASP's argon2id minimum (19 MiB, t=2, p=1).
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * Each hash costs about 20 ms of a core. Left alone, a burst of sign-ins runs
 * four at once (libuv's pool) and takes every core from validation, the event
 * loop and a PostgreSQL on the same host; at most cores − 1 at a time keeps a
 * core for them. Sign-ins wait in line instead, and the auth rate limits keep
 * that line short.
 */
export const passwordWork = pLimit(Math.max(1, os.availableParallelism() - 1));

export const hashPassword = (password: string) => passwordWork(() => argon2.hash(password, OPTIONS));

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await passwordWork(() => argon2.verify(hash, password));
  } catch {
    return false;
  }
}

/** A hash of a random password, verified against when the email is unknown so timing reveals nothing. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('not-a-real-password-0');
  return dummyHash;
}

import assert from 'node:assert/strict';
import os from 'node:os';
import { it } from 'node:test';
import { hashPassword, passwordWork, verifyPassword } from '../src/lib/passwords';

it('hashes at most cores − 1 passwords at once; the others wait their turn, and every hash verifies', async () => {
  const limit = Math.max(1, os.availableParallelism() - 1);
  const jobs = Array.from({ length: limit + 3 }, (_, i) => hashPassword(`password-${i}`));
  await new Promise((r) => setImmediate(r)); // p-limit starts queued work on the next tick
  assert.equal(passwordWork.activeCount, limit);
  assert.equal(passwordWork.pendingCount, 3);
  const hashes = await Promise.all(jobs);
  assert.equal(passwordWork.activeCount + passwordWork.pendingCount, 0);
  assert.equal(await verifyPassword(hashes[3]!, 'password-3'), true);
  assert.equal(await verifyPassword(hashes[3]!, 'password-2'), false);
  assert.equal(await verifyPassword('not a hash', 'password-3'), false);
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { QueryTypes } from 'sequelize';
import { signUp, signUpAs, startTestApi, type TestApi } from './helpers/api';

let t: TestApi;
before(async () => {
  t = await startTestApi();
});
after(() => t.close());

const ticketBody = (subject = 'Plugin crashes on Snare track') => ({
  subject,
  message: 'When I add the plugin to my snare track and analyze...',
  category: 'bug',
});
const countMessages = async (ticketId: string) =>
  (
    await t.api.deps.sequelize.query<{ n: number }>('SELECT count(*)::int AS n FROM support_messages WHERE ticket_id = :ticketId', {
      replacements: { ticketId },
      type: QueryTypes.SELECT,
    })
  )[0]!.n;

describe('user support routes', () => {
  it('opens a ticket as in the seed (201) and mails a confirmation', async () => {
    const u = await signUp(t);
    const res = await t.post('/support/ticket', ticketBody(), u.access);
    assert.equal(res.status, 201);
    assert.match(res.body.id, /^[0-9a-f-]{36}$/);
    assert.equal(res.body.status, 'open');
    assert.ok(!Number.isNaN(Date.parse(res.body.created_at)));
    const mail = await t.waitForMail(u.email, 'support-ticket-created');
    assert.match(mail, /Plugin crashes on Snare track/);
  });

  it('lists my tickets newest first, page by page, and shows one with its thread', async () => {
    const u = await signUp(t);
    const ids: string[] = [];
    for (const s of ['first one', 'second one', 'third one']) ids.push((await t.post('/support/ticket', ticketBody(s), u.access)).body.id);
    const page1 = await t.get('/support/tickets?limit=2', u.access);
    assert.equal(page1.status, 200);
    assert.deepEqual(page1.body.tickets.map((x: any) => x.subject), ['third one', 'second one']);
    assert.ok(page1.body.next_cursor);
    const page2 = await t.get(`/support/tickets?limit=2&cursor=${page1.body.next_cursor}`, u.access);
    assert.deepEqual(page2.body.tickets.map((x: any) => x.subject), ['first one']);
    assert.equal(page2.body.next_cursor, null);
    const one = await t.get(`/support/tickets/${ids[0]}`, u.access);
    assert.equal(one.status, 200);
    assert.equal(one.body.category, 'bug');
    assert.deepEqual(one.body.messages.map((m: any) => [m.author, m.body]), [['user', ticketBody().message]]);
  });

  it("hides another user's tickets: 404 to read or write, no change, not listed", async () => {
    const owner = await signUp(t);
    const other = await signUp(t);
    const { id } = (await t.post('/support/ticket', ticketBody(), owner.access)).body;
    assert.equal((await t.get(`/support/tickets/${id}`, other.access)).status, 404);
    const write = await t.post(`/support/tickets/${id}/messages`, { message: 'let me in' }, other.access);
    assert.equal(write.status, 404);
    assert.equal(write.body.error, 'not_found');
    assert.equal(await countMessages(id), 1);
    assert.equal((await t.get('/support/tickets', other.access)).body.tickets.length, 0);
    assert.equal((await t.get(`/support/tickets/${randomUUID()}`, owner.access)).status, 404);
    assert.equal((await t.get('/support/tickets/not-a-uuid', owner.access)).status, 400);
  });

  it('refuses invalid tickets without writing', async () => {
    const u = await signUp(t);
    for (const body of [{ ...ticketBody(), category: 'rant' }, { ...ticketBody(), subject: '' }, { ...ticketBody(), message: 'x'.repeat(10_001) }, { subject: 'Hi there' }]) {
      const res = await t.post('/support/ticket', body, u.access);
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'validation_failed');
    }
    assert.equal((await t.get('/support/tickets', u.access)).body.tickets.length, 0);
    assert.equal((await t.post('/support/ticket', ticketBody())).status, 401);
  });
});

describe('the conversation between a user and staff', () => {
  it('moves the status with the conversation and mails the user on staff replies', async () => {
    const u = await signUp(t);
    const agent = await signUpAs(t, 'support');
    const { id } = (await t.post('/support/ticket', ticketBody(), u.access)).body;

    const reply = await t.post(`/admin/support/tickets/${id}/messages`, { message: 'Which DAW version do you use?' }, agent.access);
    assert.equal(reply.status, 201);
    assert.equal(reply.body.author, 'staff');
    const mail = await t.waitForMail(u.email, 'support-reply');
    assert.match(mail, /Which DAW version do you use\?/);
    assert.equal((await t.get(`/support/tickets/${id}`, u.access)).body.status, 'pending');

    const answer = await t.post(`/support/tickets/${id}/messages`, { message: 'Studio One 6.5' }, u.access);
    assert.equal(answer.status, 201);
    assert.equal(answer.body.author, 'user');
    const seen = (await t.get(`/support/tickets/${id}`, u.access)).body;
    assert.equal(seen.status, 'open');
    assert.deepEqual(seen.messages.map((m: any) => m.author), ['user', 'staff', 'user']);
    assert.ok(!('author_id' in seen.messages[1]), 'users do not see which staff member answered');

    // Staff may also answer through the user route.
    const viaUserRoute = await t.post(`/support/tickets/${id}/messages`, { message: 'Fixed in 1.0.1' }, agent.access);
    assert.equal(viaUserRoute.status, 201);
    assert.equal(viaUserRoute.body.author, 'staff');

    const closed = await t.put(`/admin/support/tickets/${id}/status`, { status: 'closed' }, agent.access);
    assert.equal(closed.status, 200);
    assert.equal(closed.body.status, 'closed');
    const late = await t.post(`/support/tickets/${id}/messages`, { message: 'one more thing' }, u.access);
    assert.equal(late.status, 422);
    assert.equal(late.body.error, 'ticket_closed');
    assert.equal((await t.post(`/admin/support/tickets/${id}/messages`, { message: 'x' }, agent.access)).status, 422);
    assert.equal(await countMessages(id), 4);

    const auditRows = await t.api.deps.sequelize.query<{ action: string }>(
      `SELECT action FROM audit_logs WHERE target_id = :id ORDER BY id`,
      { replacements: { id }, type: QueryTypes.SELECT },
    );
    assert.deepEqual(auditRows.map((r) => r.action), ['support.ticket_replied', 'support.ticket_replied', 'support.ticket_status_changed']);
  });

  it('lets staff filter, assign and unassign; only to active staff', async () => {
    const u = await signUp(t);
    const agent = await signUpAs(t, 'support');
    const admin = await signUpAs(t, 'admin');
    const billing = (await t.post('/support/ticket', { ...ticketBody('Charged twice'), category: 'billing' }, u.access)).body.id;
    const bug = (await t.post('/support/ticket', ticketBody('Crash'), u.access)).body.id;

    const notStaff = await t.post(`/admin/support/tickets/${bug}/assign`, { assignee_id: u.id }, admin.access);
    assert.equal(notStaff.status, 422);
    assert.equal(notStaff.body.error, 'invalid_assignee');
    const assigned = await t.post(`/admin/support/tickets/${bug}/assign`, { assignee_id: agent.id }, admin.access);
    assert.equal(assigned.status, 200);
    assert.equal(assigned.body.assignee_id, agent.id);
    assert.equal(assigned.body.user_email, u.email);

    const mine = await t.get(`/admin/support/tickets?assignee=${agent.id}`, agent.access);
    assert.deepEqual(mine.body.tickets.map((x: any) => x.id), [bug]);
    const unassigned = await t.get('/admin/support/tickets?assignee=none&limit=100', agent.access);
    assert.ok(unassigned.body.tickets.some((x: any) => x.id === billing));
    assert.ok(!unassigned.body.tickets.some((x: any) => x.id === bug));
    const billingOnly = await t.get('/admin/support/tickets?category=billing&status=open&limit=100', agent.access);
    assert.ok(billingOnly.body.tickets.every((x: any) => x.category === 'billing' && x.status === 'open'));
    assert.ok(billingOnly.body.tickets.some((x: any) => x.id === billing));

    const cleared = await t.post(`/admin/support/tickets/${bug}/assign`, { assignee_id: null }, agent.access);
    assert.equal(cleared.body.assignee_id, null);
    const detail = await t.get(`/admin/support/tickets/${bug}`, agent.access);
    assert.equal(detail.body.messages[0].author_id, u.id);
  });

  it('keeps staff routes to support and admin roles', async () => {
    const u = await signUp(t);
    const { id } = (await t.post('/support/ticket', ticketBody(), u.access)).body;
    assert.equal((await t.get('/admin/support/tickets', u.access)).status, 403);
    assert.equal((await t.get(`/admin/support/tickets/${id}`, u.access)).status, 403);
    assert.equal((await t.put(`/admin/support/tickets/${id}/status`, { status: 'resolved' }, u.access)).status, 403);
    assert.equal((await t.post(`/admin/support/tickets/${id}/assign`, { assignee_id: u.id }, u.access)).status, 403);
    assert.equal((await t.post(`/admin/support/tickets/${id}/messages`, { message: 'hi' }, u.access)).status, 403);
    assert.equal((await t.get(`/support/tickets/${id}`, u.access)).body.status, 'open');
    assert.equal(await countMessages(id), 1);
  });
});

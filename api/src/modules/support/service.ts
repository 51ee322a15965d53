import { QueryTypes, type Transaction } from 'sequelize';
import {
  STAFF_ROLES,
  type CreateTicketRequest,
  type Role,
  type StaffTicketDetail,
  type StaffTicketListQuery,
  type StaffTicketSummary,
  type TicketDetail,
  type TicketStatus,
  type TicketSummary,
} from '@ngn/shared';
import type { AppDeps } from '../../context';
import { SupportMessage, SupportTicket, User } from '../../db/models';
import { audit } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import { notFound, unprocessable } from '../../lib/errors';
import { decodeCursor, keysetWhere, page } from '../../lib/pagination';
import { staffReplyMail, ticketCreatedMail } from './mails';

const isStaff = (role: Role) => STAFF_ROLES.includes(role);

interface Caller {
  id: string;
  role: Role;
}

interface TicketRow {
  id: string;
  subject: string;
  category: TicketSummary['category'];
  status: TicketStatus;
  created_at: Date;
  updated_at: Date;
}

interface StaffRow extends TicketRow {
  user_id: string;
  user_email: string;
  assignee_id: string | null;
}

function summary(t: TicketRow): TicketSummary {
  return {
    id: t.id,
    subject: t.subject,
    category: t.category,
    status: t.status,
    created_at: t.created_at.toISOString(),
    updated_at: t.updated_at.toISOString(),
  };
}

function staffSummary(t: StaffRow): StaffTicketSummary {
  return { ...summary(t), user_id: t.user_id, user_email: t.user_email, assignee_id: t.assignee_id };
}

/**
 * Support tickets. A ticket is the user's: only its owner reads it through the
 * user routes, and someone else's ticket answers 404 as if it did not exist.
 * Staff (support, admin) see and answer every ticket. Status follows the
 * conversation: a staff reply waits for the user (pending), a user message
 * waits for staff (open); closed takes no more messages.
 */
export class SupportService {
  constructor(private readonly deps: AppDeps) {}

  async create(userId: string, input: CreateTicketRequest) {
    return this.deps.sequelize.transaction(async (transaction) => {
      const user = (await User.findByPk(userId, { transaction }))!;
      const ticket = await SupportTicket.create(
        { user_id: userId, subject: input.subject, category: input.category },
        { transaction },
      );
      await SupportMessage.create({ ticket_id: ticket.id, author_id: userId, author_role: 'user', body: input.message }, { transaction });
      await this.deps.mailer.enqueue(ticketCreatedMail(user.email, user.first_name, ticket), { transaction });
      return { id: ticket.id, status: ticket.status, created_at: ticket.created_at.toISOString() };
    });
  }

  async listOwn(userId: string, limit: number, cursor: string | undefined) {
    const where = keysetWhere(decodeCursor(cursor));
    const rows = await this.deps.sequelize.query<TicketRow>(
      `SELECT * FROM support_tickets WHERE user_id = :userId AND ${where.sql}
        ORDER BY created_at DESC, id DESC LIMIT :take`,
      { replacements: { userId, take: limit + 1, ...where.replacements }, type: QueryTypes.SELECT },
    );
    const { items, next_cursor } = page(rows, limit);
    return { tickets: items.map(summary), next_cursor };
  }

  async getOwn(userId: string, ticketId: string): Promise<TicketDetail> {
    const ticket = await SupportTicket.findOne({ where: { id: ticketId, user_id: userId } });
    if (!ticket) throw notFound('Ticket');
    const messages = await this.messages(ticket.id);
    return {
      ...summary(ticket),
      messages: messages.map((m) => ({ id: m.id, author: m.author_role, body: m.body, created_at: m.created_at.toISOString() })),
    };
  }

  /** A message from the ticket's owner, or a reply from staff through the same route. */
  async addMessage(caller: Caller, ticketId: string, body: string, meta: RequestMeta) {
    const ticket = await SupportTicket.findByPk(ticketId);
    if (!ticket || (ticket.user_id !== caller.id && !isStaff(caller.role))) throw notFound('Ticket');
    if (ticket.user_id !== caller.id) return this.reply(caller, ticketId, body, meta);
    return this.deps.sequelize.transaction(async (transaction) => {
      await this.lockOpen(ticketId, transaction);
      const message = await SupportMessage.create({ ticket_id: ticketId, author_id: caller.id, author_role: 'user', body }, { transaction });
      await this.touch(ticketId, 'open', transaction);
      return { id: message.id, author: 'user' as const, body, created_at: message.created_at.toISOString() };
    });
  }

  async staffList(q: StaffTicketListQuery) {
    const where = keysetWhere(decodeCursor(q.cursor), 't');
    const filters = [where.sql];
    if (q.status) filters.push('t.status = :status');
    if (q.category) filters.push('t.category = :category');
    if (q.assignee === 'none') filters.push('t.assignee_id IS NULL');
    else if (q.assignee) filters.push('t.assignee_id = :assignee');
    const rows = await this.deps.sequelize.query<StaffRow>(
      `SELECT t.*, u.email AS user_email FROM support_tickets t JOIN users u ON u.id = t.user_id
        WHERE ${filters.join(' AND ')}
        ORDER BY t.created_at DESC, t.id DESC LIMIT :take`,
      {
        replacements: { ...where.replacements, status: q.status, category: q.category, assignee: q.assignee, take: q.limit + 1 },
        type: QueryTypes.SELECT,
      },
    );
    const { items, next_cursor } = page(rows, q.limit);
    return { tickets: items.map(staffSummary), next_cursor };
  }

  async staffGet(ticketId: string): Promise<StaffTicketDetail> {
    const [row] = await this.deps.sequelize.query<StaffRow>(
      `SELECT t.*, u.email AS user_email FROM support_tickets t JOIN users u ON u.id = t.user_id WHERE t.id = :ticketId`,
      { replacements: { ticketId }, type: QueryTypes.SELECT },
    );
    if (!row) throw notFound('Ticket');
    const messages = await this.messages(ticketId);
    return {
      ...staffSummary(row),
      messages: messages.map((m) => ({
        id: m.id,
        author: m.author_role,
        author_id: m.author_id,
        body: m.body,
        created_at: m.created_at.toISOString(),
      })),
    };
  }

  /** A staff answer: an open ticket now waits for the user, who gets the answer by mail. */
  async reply(staff: Caller, ticketId: string, body: string, meta: RequestMeta) {
    return this.deps.sequelize.transaction(async (transaction) => {
      const ticket = await this.lockOpen(ticketId, transaction);
      const message = await SupportMessage.create({ ticket_id: ticketId, author_id: staff.id, author_role: 'staff', body }, { transaction });
      await this.touch(ticketId, ticket.status === 'open' ? 'pending' : ticket.status, transaction);
      const owner = (await User.findByPk(ticket.user_id, { transaction }))!;
      await this.deps.mailer.enqueue(staffReplyMail(owner.email, owner.first_name, ticket, body), { transaction });
      await audit(
        { action: 'support.ticket_replied', actorUserId: staff.id, subjectUserId: ticket.user_id, targetType: 'support_ticket', targetId: ticketId },
        meta,
        transaction,
      );
      return { id: message.id, author: 'staff' as const, body, created_at: message.created_at.toISOString() };
    });
  }

  async assign(staff: Caller, ticketId: string, assigneeId: string | null, meta: RequestMeta) {
    await this.deps.sequelize.transaction(async (transaction) => {
      const ticket = await this.lock(ticketId, transaction);
      if (assigneeId) {
        const assignee = await User.findByPk(assigneeId, { transaction });
        if (!assignee || assignee.status !== 'active' || !isStaff(assignee.role)) {
          throw unprocessable('invalid_assignee', 'Tickets can only be assigned to active support or admin staff.');
        }
      }
      const previous = ticket.assignee_id;
      await SupportTicket.update({ assignee_id: assigneeId }, { where: { id: ticketId }, transaction });
      await audit(
        {
          action: 'support.ticket_assigned',
          actorUserId: staff.id,
          subjectUserId: ticket.user_id,
          targetType: 'support_ticket',
          targetId: ticketId,
          metadata: { from: previous, to: assigneeId },
        },
        meta,
        transaction,
      );
    });
    return this.staffGet(ticketId);
  }

  async changeStatus(staff: Caller, ticketId: string, status: TicketStatus, meta: RequestMeta) {
    await this.deps.sequelize.transaction(async (transaction) => {
      const ticket = await this.lock(ticketId, transaction);
      const previous = ticket.status;
      await this.touch(ticketId, status, transaction);
      await audit(
        {
          action: 'support.ticket_status_changed',
          actorUserId: staff.id,
          subjectUserId: ticket.user_id,
          targetType: 'support_ticket',
          targetId: ticketId,
          metadata: { from: previous, to: status },
        },
        meta,
        transaction,
      );
    });
    return this.staffGet(ticketId);
  }

  private messages(ticketId: string) {
    return SupportMessage.findAll({ where: { ticket_id: ticketId }, order: [['created_at', 'ASC'], ['id', 'ASC']] });
  }

  /** Reads the ticket under a row lock, so concurrent replies and status changes apply one after another. */
  private async lock(ticketId: string, transaction: Transaction): Promise<SupportTicket> {
    const ticket = await SupportTicket.findByPk(ticketId, { transaction, lock: transaction.LOCK.UPDATE });
    if (!ticket) throw notFound('Ticket');
    return ticket;
  }

  private async lockOpen(ticketId: string, transaction: Transaction): Promise<SupportTicket> {
    const ticket = await this.lock(ticketId, transaction);
    if (ticket.status === 'closed') throw unprocessable('ticket_closed', 'This ticket is closed. Open a new ticket instead.');
    return ticket;
  }

  /** Sets the status and moves updated_at, which lists show as the last activity. */
  private async touch(ticketId: string, status: TicketStatus, transaction: Transaction) {
    await SupportTicket.update({ status }, { where: { id: ticketId }, transaction });
  }
}

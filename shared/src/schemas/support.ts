import { z } from 'zod';
import { IsoDateTime, NextCursor, PageQuery, Uuid, type Role } from './common';

/** Who works the support queue: they see and answer every ticket. */
export const STAFF_ROLES: Role[] = ['support', 'admin'];

export const TicketCategory = z.enum(['bug', 'billing', 'activation', 'feature_request', 'other']);
export type TicketCategory = z.infer<typeof TicketCategory>;

/** open: waiting for staff · pending: waiting for the user · resolved: answered · closed: no more replies. */
export const TicketStatus = z.enum(['open', 'pending', 'resolved', 'closed']);
export type TicketStatus = z.infer<typeof TicketStatus>;

const MessageBody = z.string().trim().min(1).max(10_000);

export const CreateTicketRequest = z.strictObject({
  subject: z.string().trim().min(3).max(200),
  message: MessageBody,
  category: TicketCategory,
});
export type CreateTicketRequest = z.infer<typeof CreateTicketRequest>;

export const CreateTicketResponse = z.object({ id: Uuid, status: TicketStatus, created_at: IsoDateTime });

export const TicketSummary = z.object({
  id: Uuid,
  subject: z.string(),
  category: TicketCategory,
  status: TicketStatus,
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
});
export type TicketSummary = z.infer<typeof TicketSummary>;

export const TicketMessage = z.object({
  id: Uuid,
  /** Staff names are not shown to users: replies come from "support". */
  author: z.enum(['user', 'staff']),
  body: z.string(),
  created_at: IsoDateTime,
});
export type TicketMessage = z.infer<typeof TicketMessage>;

export const TicketDetail = TicketSummary.extend({ messages: z.array(TicketMessage) });
export type TicketDetail = z.infer<typeof TicketDetail>;

export const TicketListResponse = z.object({ tickets: z.array(TicketSummary), next_cursor: NextCursor });

export const TicketParams = z.strictObject({ id: Uuid });
export const TicketMessageRequest = z.strictObject({ message: MessageBody });

/** What staff see: who asked and who is on it. */
export const StaffTicketSummary = TicketSummary.extend({
  user_id: Uuid,
  user_email: z.string(),
  assignee_id: Uuid.nullable(),
});
export type StaffTicketSummary = z.infer<typeof StaffTicketSummary>;

export const StaffTicketMessage = TicketMessage.extend({ author_id: Uuid.nullable() });
export const StaffTicketDetail = StaffTicketSummary.extend({ messages: z.array(StaffTicketMessage) });
export type StaffTicketDetail = z.infer<typeof StaffTicketDetail>;

export const StaffTicketListQuery = PageQuery.extend({
  status: TicketStatus.optional(),
  category: TicketCategory.optional(),
  /** A staff member's id, or `none` for unassigned tickets. */
  assignee: z.union([Uuid, z.literal('none')]).optional(),
});
export type StaffTicketListQuery = z.infer<typeof StaffTicketListQuery>;

export const StaffTicketListResponse = z.object({ tickets: z.array(StaffTicketSummary), next_cursor: NextCursor });

export const AssignTicketRequest = z.strictObject({ assignee_id: Uuid.nullable() });
export const TicketStatusRequest = z.strictObject({ status: TicketStatus });

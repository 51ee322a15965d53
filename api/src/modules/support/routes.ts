import { endpoints } from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import type { Module } from '../module';

export const supportModule: Module = (m) => {
  const { support } = m.services;

  m.route(
    endpoints.createTicket,
    ({ user, body }) => support.create(user.id, body),
  );
  m.route(
    endpoints.tickets,
    ({ user, query }) => support.listOwn(user.id, query.limit, query.cursor),
  );
  m.route(
    endpoints.ticket,
    ({ user, params }) => support.getOwn(user.id, params.id),
  );
  m.route(
    endpoints.replyToTicket,
    ({ user, params, body, ctx }) => support.addMessage(user, params.id, body.message, requestMeta(ctx)),
  );

  m.route(
    endpoints.adminListTickets,
    ({ query }) => support.staffList(query),
  );
  m.route(
    endpoints.adminGetTicket,
    ({ params }) => support.staffGet(params.id),
  );
  m.route(
    endpoints.adminReplyToTicket,
    ({ user, params, body, ctx }) => support.reply(user, params.id, body.message, requestMeta(ctx)),
  );
  m.route(
    endpoints.adminAssignTicket,
    ({ user, params, body, ctx }) => support.assign(user, params.id, body.assignee_id, requestMeta(ctx)),
  );
  m.route(
    endpoints.adminSetTicketStatus,
    ({ user, params, body, ctx }) => support.changeStatus(user, params.id, body.status, requestMeta(ctx)),
  );
};

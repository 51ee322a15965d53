import { endpoints } from '@ngn/shared';
import { AssignTicketRequest, StaffTicketDetail, StaffTicketListQuery, StaffTicketListResponse, TicketMessage, TicketMessageRequest, TicketParams, TicketStatusRequest } from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import type { Module } from '../module';
import { STAFF_ROLES } from './service';

export const supportModule: Module = (m) => {
  const { support } = m.services;
  const staff = { roles: STAFF_ROLES };

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

  const staffTags = ['support', 'admin'];
  m.route(
    { method: 'get', path: '/admin/support/tickets', summary: 'All tickets, filtered', tags: staffTags, access: staff, query: StaffTicketListQuery, response: StaffTicketListResponse },
    ({ query }) => support.staffList(query),
  );
  m.route(
    { method: 'get', path: '/admin/support/tickets/:id', summary: 'A ticket with its messages', tags: staffTags, access: staff, params: TicketParams, response: StaffTicketDetail, errors: { 404: 'No such ticket' } },
    ({ params }) => support.staffGet(params.id),
  );
  m.route(
    {
      method: 'post',
      path: '/admin/support/tickets/:id/messages',
      summary: 'Reply to a ticket (mails the user)',
      tags: staffTags,
      access: staff,
      params: TicketParams,
      body: TicketMessageRequest,
      response: TicketMessage,
      status: 201,
      errors: { 404: 'No such ticket', 422: 'Ticket closed' },
    },
    ({ user, params, body, ctx }) => support.reply(user, params.id, body.message, requestMeta(ctx)),
  );
  m.route(
    {
      method: 'post',
      path: '/admin/support/tickets/:id/assign',
      summary: 'Assign a ticket to a staff member (or null to unassign)',
      tags: staffTags,
      access: staff,
      params: TicketParams,
      body: AssignTicketRequest,
      response: StaffTicketDetail,
      errors: { 404: 'No such ticket', 422: 'Assignee is not active staff' },
    },
    ({ user, params, body, ctx }) => support.assign(user, params.id, body.assignee_id, requestMeta(ctx)),
  );
  m.route(
    { method: 'put', path: '/admin/support/tickets/:id/status', summary: 'Change a ticket status', tags: staffTags, access: staff, params: TicketParams, body: TicketStatusRequest, response: StaffTicketDetail, errors: { 404: 'No such ticket' } },
    ({ user, params, body, ctx }) => support.changeStatus(user, params.id, body.status, requestMeta(ctx)),
  );
};

/** Support: open a ticket (subject, category, message), read its thread and reply. */
import { useState } from 'react';
import { CreateTicketRequest, TicketMessageRequest, type TicketCategory, type TicketSummary } from '@ngn/shared';
import { Icon } from '../components/Icon';
import { useToast } from '../components/Toast';
import { Badge, Button, Card, EmptyState, ErrorBanner, PageHeader, SelectField, Skeleton, TextAreaField, TextField } from '../components/ui';
import { useAppState } from '../lib/app-state';
import { useAction, useCall, useInvoke } from '../lib/companion-hooks';
import { formatDateTime, formatRelative } from '../lib/format';
import { useForm } from '../lib/forms';
import { TICKET_CATEGORIES, TICKET_STATUS } from '../lib/labels';
import { href, navigate, useLocation } from '../lib/router';

export function SupportScreen() {
  const tickets = useInvoke('support:list-tickets');
  const location = useLocation();
  const selected = location.rest[0] ?? null;
  const list = tickets.data ?? [];
  const creating = selected === 'new' || (!selected && tickets.data !== undefined && list.length === 0);
  const current = selected && selected !== 'new' ? list.find((t) => t.id === selected) : undefined;

  return (
    <>
      <PageHeader
        title="Support"
        description="Questions about activation, billing or the plugin? Our team answers by email and here."
        actions={
          <Button variant="primary" icon="plus" onClick={() => navigate('support', 'new')}>
            New ticket
          </Button>
        }
      />
      {tickets.error && <ErrorBanner error={tickets.error} onRetry={tickets.reload} title="Could not load your tickets" />}
      <div className="support-layout">
        <Card bodyless className="card-clip">
          <div className="card-header">
            <h2 className="card-title">Your tickets</h2>
            <span className="faint nums">{tickets.data ? list.length : ''}</span>
          </div>
          {tickets.loading ? (
            <div className="card-body stack">
              <Skeleton height={16} />
              <Skeleton height={16} width="70%" />
            </div>
          ) : list.length === 0 ? (
            <p className="muted card-body">No tickets yet.</p>
          ) : (
            <ul className="list" aria-label="Tickets">
              {list.map((t) => (
                <li key={t.id} style={{ borderTop: '1px solid var(--border)' }}>
                  <a className="list-item list-button" href={href('support', t.id)} aria-current={t.id === selected ? 'true' : undefined} style={{ display: 'flex', color: 'inherit', textDecoration: 'none', borderTop: 0 }}>
                    <span className="machine-main">
                      <span className="machine-name" style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', display: 'block' }}>
                        {t.subject}
                      </span>
                      <span className="machine-meta">updated {formatRelative(t.updated_at)}</span>
                    </span>
                    <Badge tone={TICKET_STATUS[t.status].tone}>{TICKET_STATUS[t.status].text}</Badge>
                  </a>
                </li>
              ))}
            </ul>
          )}
        </Card>
        {creating ? (
          <NewTicket
            onCreated={async (id) => {
              await tickets.reload();
              navigate('support', id);
            }}
          />
        ) : current ? (
          <Thread key={current.id} ticket={current} onChanged={tickets.reload} />
        ) : selected ? (
          tickets.loading ? null : (
            <Card>
              <EmptyState icon="help" title="Ticket not found">
                It may belong to another account.
              </EmptyState>
            </Card>
          )
        ) : (
          <Card>
            <EmptyState icon="message" title="Choose a ticket">
              Pick a ticket on the left to read the conversation, or open a new one.
            </EmptyState>
          </Card>
        )}
      </div>
    </>
  );
}

function NewTicket({ onCreated }: { onCreated: (id: string) => Promise<void> }) {
  const call = useCall();
  const toast = useToast();
  const { info } = useAppState();
  const action = useAction((body: CreateTicketRequest) => call('support:create-ticket', body));
  const form = useForm(CreateTicketRequest, { subject: '', category: 'activation', message: '' }, async (body) => {
    const out = await action.run(body);
    if (!out.ok) return void form.applyServerError(out.error);
    toast('Ticket sent. We will answer by email too.');
    form.reset();
    await onCreated(out.value.id);
  });
  return (
    <Card title="New ticket" subtitle={`We add your companion version and system (${info.os}) so you do not have to.`}>
      <form className="stack" onSubmit={form.onSubmit} noValidate>
        {action.error && action.error.code !== 'validation_failed' && <ErrorBanner error={action.error} />}
        <TextField label="Subject" placeholder="e.g. Activation fails on my studio PC" {...form.field('subject')} />
        <SelectField
          label="Category"
          options={TICKET_CATEGORIES}
          {...form.field('category')}
          onChange={(e) => form.set('category', e.target.value as TicketCategory)}
        />
        <TextAreaField label="Message" rows={7} placeholder="What happened, what you expected, and the steps to see it." {...form.field('message')} />
        <div className="row row-end">
          <Button type="submit" variant="primary" icon="send" busy={action.busy}>
            Send ticket
          </Button>
        </div>
      </form>
    </Card>
  );
}

function Thread({ ticket, onChanged }: { ticket: TicketSummary; onChanged: () => Promise<void> }) {
  const detail = useInvoke('support:get-ticket', { id: ticket.id });
  const call = useCall();
  const [sent, setSent] = useState(0);
  const reply = useAction(async (message: string) => {
    const added = await call('support:reply', { id: ticket.id, message });
    if (detail.data) detail.setData({ ...detail.data, messages: [...detail.data.messages, added] });
    setSent((n) => n + 1);
    await onChanged();
  });
  const form = useForm(TicketMessageRequest, { message: '' }, async (body) => {
    const out = await reply.run(body.message);
    if (out.ok) form.reset();
    else form.applyServerError(out.error);
  });
  const status = TICKET_STATUS[ticket.status];
  const closed = ticket.status === 'closed';

  return (
    <Card
      title={ticket.subject}
      subtitle={`${TICKET_CATEGORIES.find((c) => c.value === ticket.category)?.label ?? ticket.category} · opened ${formatDateTime(ticket.created_at)}`}
      actions={<Badge tone={status.tone}>{status.text}</Badge>}
      bodyless
    >
      <div className="card-body">
        {detail.error ? (
          <ErrorBanner error={detail.error} onRetry={detail.reload} title="Could not load the conversation" />
        ) : detail.loading ? (
          <div className="stack">
            <Skeleton height={48} width="70%" />
          </div>
        ) : (
          <ol className="thread list" aria-label="Conversation" data-sent={sent}>
            {detail.data?.messages.map((m) => (
              <li key={m.id} className={`message${m.author === 'user' ? ' is-user' : ''}`}>
                <div className="message-meta">
                  {m.author === 'user' ? 'You' : (
                    <span className="row" style={{ gap: 4, display: 'inline-flex' }}>
                      <Icon name="help" size={12} /> NextGen Noise support
                    </span>
                  )}{' '}
                  · {formatDateTime(m.created_at)}
                </div>
                <div className="message-body">{m.body}</div>
              </li>
            ))}
          </ol>
        )}
      </div>
      <div className="card-body" style={{ borderTop: '1px solid var(--border)' }}>
        {closed ? (
          <p className="muted">This ticket is closed. Open a new one if you need more help.</p>
        ) : (
          <form className="stack" onSubmit={form.onSubmit} noValidate>
            {reply.error && reply.error.code !== 'validation_failed' && <ErrorBanner error={reply.error} />}
            <TextAreaField label="Reply" rows={4} placeholder="Write a reply…" {...form.field('message')} />
            <div className="row row-end">
              <Button type="submit" variant="primary" icon="send" busy={reply.busy}>
                Send reply
              </Button>
            </div>
          </form>
        )}
      </div>
    </Card>
  );
}

import { htmlLayout, type MailMessage } from '../../lib/mail';

const footer = 'NextGen Noise support · Reply from the Companion (Support tab) so your answer reaches the ticket.';

/** Deep link into the Companion's support tab. */
function ticketLink(ticketId: string): string {
  return `nextgennoise://support/tickets/${encodeURIComponent(ticketId)}`;
}

export function ticketCreatedMail(to: string, firstName: string, ticket: { id: string; subject: string }): MailMessage {
  const link = ticketLink(ticket.id);
  return {
    tag: 'support-ticket-created',
    to,
    subject: `We got your request: ${ticket.subject}`,
    text: `Hi ${firstName},\n\nThanks for writing to us. Your ticket "${ticket.subject}" is open and a member of our team will answer soon.\n\nFollow it in the Companion:\n\n${link}\n\nticket id: ${ticket.id}\n\n${footer}\n`,
    html: htmlLayout(`We got your request`, [`Hi ${firstName},`, `Your ticket "${ticket.subject}" is open and a member of our team will answer soon.`], {
      label: 'Follow it in the Companion:',
      value: `ticket id: ${ticket.id}`,
      link,
    }),
  };
}

export function staffReplyMail(
  to: string,
  firstName: string,
  ticket: { id: string; subject: string },
  reply: string,
): MailMessage {
  const link = ticketLink(ticket.id);
  return {
    tag: 'support-reply',
    to,
    subject: `Re: ${ticket.subject}`,
    text: `Hi ${firstName},\n\nOur support team answered your ticket "${ticket.subject}":\n\n${reply}\n\nAnswer in the Companion:\n\n${link}\n\n${footer}\n`,
    html: htmlLayout(`Re: ${ticket.subject}`, [`Hi ${firstName},`, 'Our support team answered your ticket:', reply], {
      label: 'Answer in the Companion:',
      value: `ticket id: ${ticket.id}`,
      link,
    }),
  };
}

import type { ChannelHandlers } from '../contract/ipc';
import type { ApiClient } from './api-client';

type ApiChannel = Extract<keyof ChannelHandlers, `purchase:${string}` | `support:${string}` | 'licenses:list' | 'licenses:status'>;

/** The channels the API answers as they are: plans, checkout, purchase history, licenses, support. */
export function apiChannels(api: ApiClient): Pick<ChannelHandlers, ApiChannel> {
  return {
    'purchase:plans': async () => (await api.call('plans')).plans,
    'purchase:create-checkout': (body) => api.call('createCheckout', { body }),
    'purchase:session': ({ session_id }) => api.call('checkoutSession', { params: { id: session_id } }),
    'purchase:history': ({ cursor }) => api.call('purchaseHistory', { query: { limit: 20, ...(cursor ? { cursor } : {}) } }),

    'licenses:list': async () => (await api.call('licenses', { query: { limit: 100 } })).licenses,
    // Asked by key, the API answers that one license (not the product's list with the others beside it);
    // either shape is a LicenseStatus, and the endpoint's schema already checked the answer.
    'licenses:status': ({ license_key }) => api.call('licenseStatus', { query: { license_key } }),

    'support:create-ticket': (body) => api.call('createTicket', { body }),
    'support:list-tickets': async () => (await api.call('tickets', { query: { limit: 100 } })).tickets,
    'support:get-ticket': ({ id }) => api.call('ticket', { params: { id } }),
    'support:reply': ({ id, message }) => api.call('replyToTicket', { params: { id }, body: { message } }),
  };
}

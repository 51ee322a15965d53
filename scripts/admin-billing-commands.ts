import { AdminPlanParams, AdminWebhookParams, AdminWebhookQuery, ChangePlanPriceRequest, CreatePlanRequest } from '@ngn/shared';
import { parseFlags, type AdminCommand } from './admin-commands';

const CLI_META = { ip: null, userAgent: 'admin-cli' };

export const BILLING_COMMANDS: Record<string, AdminCommand> = {
  'list-plans': {
    usage: '',
    summary: 'Every plan, on sale or not, with its Stripe price.',
    options: {},
    run: (_values, { plansAdmin }) => plansAdmin.list(),
  },
  'create-plan': {
    usage: '--plan P --license-type perpetual|subscription --policy POLICY --name N --amount CENTS [--currency USD] [--interval month|year] [--product mixing_mentor]',
    summary: 'Puts a new plan on sale with a new Stripe price.',
    options: {
      plan: { type: 'string' },
      'license-type': { type: 'string' },
      policy: { type: 'string' },
      name: { type: 'string' },
      amount: { type: 'string' },
      currency: { type: 'string' },
      interval: { type: 'string' },
      product: { type: 'string' },
    },
    run: (v, { plansAdmin }) =>
      plansAdmin.create(
        null,
        parseFlags(CreatePlanRequest, {
          plan: v.plan,
          license_type: v['license-type'],
          policy: v.policy,
          name: v.name,
          amount: v.amount === undefined ? undefined : Number(v.amount),
          currency: v.currency,
          interval: v.interval,
          product: v.product,
        }),
        CLI_META,
      ),
  },
  'set-plan-price': {
    usage: '--id PLAN_ID --amount CENTS [--currency USD]',
    summary: 'New checkouts of the plan use a new Stripe price; the old price is archived.',
    options: { id: { type: 'string' }, amount: { type: 'string' }, currency: { type: 'string' } },
    run: (v, { plansAdmin }) =>
      plansAdmin.changePrice(
        null,
        parseFlags(AdminPlanParams, { id: v.id }).id,
        parseFlags(ChangePlanPriceRequest, { amount: v.amount === undefined ? undefined : Number(v.amount), currency: v.currency }),
        CLI_META,
      ),
  },
  'deactivate-plan': {
    usage: '--id PLAN_ID',
    summary: 'Takes a plan off sale (existing licenses and subscriptions stay).',
    options: { id: { type: 'string' } },
    run: (v, { plansAdmin }) => plansAdmin.setActive(null, parseFlags(AdminPlanParams, { id: v.id }).id, false, CLI_META),
  },
  'activate-plan': {
    usage: '--id PLAN_ID',
    summary: 'Puts a plan back on sale.',
    options: { id: { type: 'string' } },
    run: (v, { plansAdmin }) => plansAdmin.setActive(null, parseFlags(AdminPlanParams, { id: v.id }).id, true, CLI_META),
  },
  'list-webhooks': {
    usage: '[--status failed|pending|processed] [--type TYPE] [--limit N] [--cursor C]',
    summary: 'Stripe events received, newest first, with status and error.',
    options: { status: { type: 'string' }, type: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } },
    run: (v, { webhookEvents }) => webhookEvents.list(parseFlags(AdminWebhookQuery, v)),
  },
  'replay-webhook': {
    usage: '--id evt_...',
    summary: 'Fetches a Stripe event again and processes it; an event already processed is not processed twice.',
    options: { id: { type: 'string' } },
    run: (v, { webhookEvents }) => webhookEvents.replay(null, parseFlags(AdminWebhookParams, { id: v.id }).id, CLI_META),
  },
};

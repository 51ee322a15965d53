import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { MailchimpConfig } from '../../config';

// The official client exports one shared instance; its classes, required here,
// give each API process (and each test API) a client of its own.
const require = createRequire(import.meta.url);
const ApiClient = require('@mailchimp/mailchimp_marketing/src/ApiClient.js') as new () => MailchimpApiClient;
const ListsApi = require('@mailchimp/mailchimp_marketing/src/api/ListsApi.js') as new (client: MailchimpApiClient) => MailchimpLists;

interface MailchimpApiClient {
  basePath: string;
  timeout: number;
  setConfig(config: { apiKey: string; server: string }): void;
}

interface MailchimpLists {
  setListMember(listId: string, hash: string, body: Record<string, unknown>): Promise<{ id: string; status: string }>;
  updateListMemberTags(listId: string, hash: string, body: { tags: Array<{ name: string; status: 'active' | 'inactive' }> }): Promise<unknown>;
  deleteListMemberPermanent(listId: string, hash: string): Promise<unknown>;
}

/** Mailchimp's member id: the MD5 of the lower-cased address (its API's own rule, not a secret). */
export const subscriberHash = (email: string) => createHash('md5').update(email.toLowerCase()).digest('hex');

/** What Mailchimp answered when it refused: its HTTP status and problem title. */
export class MailchimpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
  ) {
    super(`Mailchimp ${status} ${title}: ${detail}`);
  }
}

/** The client's errors are superagent's: the status and Mailchimp's problem body, when there was an answer. */
function refusal(err: unknown): unknown {
  const e = err as { status?: number; response?: { body?: { title?: string; detail?: string } } };
  if (typeof e?.status !== 'number') return err;
  return new MailchimpRefusal(e.status, e.response?.body?.title ?? 'Error', e.response?.body?.detail ?? '');
}

export interface MemberUpdate {
  email: string;
  subscribed: boolean;
  firstName: string;
  lastName: string;
}

/** The one audience the API keeps in step with its users, through the official client. */
export class MailchimpAudience {
  private readonly lists: MailchimpLists;

  constructor(private readonly config: MailchimpConfig) {
    const client = new ApiClient();
    client.setConfig({ apiKey: config.apiKey, server: config.serverPrefix });
    if (config.apiBase) client.basePath = new URL('/3.0', config.apiBase).href;
    // The client waits two minutes by default; a job that fails sooner is retried sooner.
    client.timeout = 15_000;
    this.lists = new ListsApi(client);
  }

  /** Adds or updates the member known by `knownAs` (its address when last synced), moving it to `email` if that changed. */
  async upsert(knownAs: string, m: MemberUpdate): Promise<void> {
    const status = m.subscribed ? 'subscribed' : 'unsubscribed';
    await this.lists
      .setListMember(this.config.audienceId, subscriberHash(knownAs), {
        email_address: m.email,
        status_if_new: status,
        status,
        merge_fields: { FNAME: m.firstName, LNAME: m.lastName },
      })
      .catch((err: unknown) => Promise.reject(refusal(err)));
  }

  async setTags(email: string, tags: Record<string, boolean>): Promise<void> {
    const body = { tags: Object.entries(tags).map(([name, on]) => ({ name, status: on ? ('active' as const) : ('inactive' as const) })) };
    await this.lists.updateListMemberTags(this.config.audienceId, subscriberHash(email), body).catch((err: unknown) => Promise.reject(refusal(err)));
  }

  /** Erases the member for good (account deletion). A member Mailchimp does not have is already gone. */
  async deletePermanently(hash: string): Promise<void> {
    await this.lists.deleteListMemberPermanent(this.config.audienceId, hash).catch((err: unknown) => {
      const r = refusal(err);
      if (r instanceof MailchimpRefusal && r.status === 404) return;
      throw r;
    });
  }
}

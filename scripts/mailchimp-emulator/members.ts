import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** Mailchimp's member id: the MD5 of the lower-cased address. */
export const subscriberHash = (email: string) => createHash('md5').update(email.toLowerCase()).digest('hex');

export type MemberStatus = 'subscribed' | 'unsubscribed' | 'cleaned' | 'pending' | 'transactional';
const STATUSES: MemberStatus[] = ['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional'];

/** A list member with the fields Mailchimp's API answers with (the ones a client reads). */
export interface Member {
  id: string;
  email_address: string;
  unique_email_id: string;
  contact_id: string;
  full_name: string;
  web_id: number;
  email_type: 'html';
  status: MemberStatus;
  merge_fields: Record<string, string>;
  interests: Record<string, boolean>;
  stats: { avg_open_rate: number; avg_click_rate: number };
  ip_signup: string;
  timestamp_signup: string;
  ip_opt: string;
  timestamp_opt: string;
  member_rating: number;
  last_changed: string;
  language: string;
  vip: boolean;
  email_client: string;
  location: { latitude: number; longitude: number; gmtoff: number; dstoff: number; country_code: string; timezone: string; region: string };
  source: string;
  tags_count: number;
  tags: Array<{ id: number; name: string }>;
  list_id: string;
}

/** Mailchimp's error body (RFC 7807 problem details) with its status. */
export class MailchimpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors?: Array<{ field: string; message: string }>,
  ) {
    super(detail);
  }

  toJSON() {
    return {
      type: 'https://mailchimp.com/developer/marketing/docs/errors/',
      title: this.title,
      status: this.status,
      detail: this.detail,
      instance: randomUUID(),
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

const notFound = () => new MailchimpError(404, 'Resource Not Found', 'The requested resource could not be found.');
const invalid = (detail: string, errors?: Array<{ field: string; message: string }>) => new MailchimpError(400, 'Invalid Resource', detail, errors);

let webIds = 100_000;
let tagIds = 1;

/** One audience's members, and the addresses permanently deleted from it (which Mailchimp will not take back). */
export class Audience {
  readonly members = new Map<string, Member>();
  readonly forgotten = new Set<string>();
  private readonly tagIdsByName = new Map<string, number>();

  constructor(readonly id: string) {}

  get(hash: string): Member {
    const member = this.members.get(hash);
    if (!member) throw notFound();
    return member;
  }

  /** PUT /lists/{id}/members/{hash}: "add or update". An existing member may get a new address. */
  upsert(hash: string, body: Record<string, unknown>): Member {
    const email = typeof body.email_address === 'string' ? body.email_address.trim() : '';
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw invalid('The resource submitted could not be validated.', [{ field: 'email_address', message: 'This value should not be blank.' }]);
    const status = (body.status ?? undefined) as MemberStatus | undefined;
    const statusIfNew = body.status_if_new as MemberStatus | undefined;
    for (const [field, value] of [['status', status], ['status_if_new', statusIfNew]] as const) {
      if (value !== undefined && !STATUSES.includes(value)) throw invalid('The resource submitted could not be validated.', [{ field, message: 'Value is not one of the allowed values.' }]);
    }
    const mergeFields = (body.merge_fields ?? {}) as Record<string, string>;
    const now = new Date().toISOString().replace(/\.\d+Z$/, '+00:00');
    const existing = this.members.get(hash);
    if (!existing) {
      if (hash !== subscriberHash(email)) throw invalid('The resource submitted could not be validated.', [{ field: 'email_address', message: 'The subscriber hash does not match the email address.' }]);
      if (this.forgotten.has(hash)) {
        throw new MailchimpError(400, 'Forgotten Email Not Subscribed', `${email} was permanently deleted and cannot be re-imported. The contact must re-subscribe to get back on the list.`);
      }
      const initial = statusIfNew ?? status;
      if (!initial) throw invalid('The resource submitted could not be validated.', [{ field: 'status_if_new', message: 'This value should not be blank.' }]);
      const member: Member = {
        id: hash,
        email_address: email,
        unique_email_id: randomBytes(5).toString('hex'),
        contact_id: randomBytes(16).toString('hex'),
        full_name: [mergeFields.FNAME, mergeFields.LNAME].filter(Boolean).join(' '),
        web_id: webIds++,
        email_type: 'html',
        status: initial,
        merge_fields: mergeFields,
        interests: {},
        stats: { avg_open_rate: 0, avg_click_rate: 0 },
        ip_signup: '',
        timestamp_signup: now,
        ip_opt: '',
        timestamp_opt: initial === 'subscribed' ? now : '',
        member_rating: 2,
        last_changed: now,
        language: '',
        vip: false,
        email_client: '',
        location: { latitude: 0, longitude: 0, gmtoff: 0, dstoff: 0, country_code: '', timezone: '', region: '' },
        source: 'API - Generic',
        tags_count: 0,
        tags: [],
        list_id: this.id,
      };
      this.members.set(hash, member);
      return member;
    }
    const newHash = subscriberHash(email);
    if (newHash !== hash) {
      if (this.members.has(newHash)) throw invalid(`${email} is already a list member. Use PUT to insert or update list members.`);
      this.members.delete(hash);
      existing.id = newHash;
      existing.email_address = email;
      this.members.set(newHash, existing);
    }
    if (status) existing.status = status;
    existing.merge_fields = { ...existing.merge_fields, ...mergeFields };
    existing.full_name = [existing.merge_fields.FNAME, existing.merge_fields.LNAME].filter(Boolean).join(' ');
    existing.last_changed = now;
    return existing;
  }

  /** POST /lists/{id}/members/{hash}/tags: each tag set active or inactive. */
  setTags(hash: string, body: Record<string, unknown>): void {
    const member = this.get(hash);
    const tags = body.tags;
    if (!Array.isArray(tags)) throw invalid('The resource submitted could not be validated.', [{ field: 'tags', message: 'This value should not be blank.' }]);
    for (const tag of tags as Array<{ name?: unknown; status?: unknown }>) {
      if (typeof tag?.name !== 'string' || (tag.status !== 'active' && tag.status !== 'inactive')) {
        throw invalid('The resource submitted could not be validated.', [{ field: 'tags', message: 'Each tag needs a name and a status of active or inactive.' }]);
      }
      const has = member.tags.some((t) => t.name === tag.name);
      if (tag.status === 'active' && !has) {
        if (!this.tagIdsByName.has(tag.name)) this.tagIdsByName.set(tag.name, tagIds++);
        member.tags.push({ id: this.tagIdsByName.get(tag.name)!, name: tag.name });
      }
      if (tag.status === 'inactive' && has) member.tags = member.tags.filter((t) => t.name !== tag.name);
    }
    member.tags_count = member.tags.length;
  }

  /** POST /lists/{id}/members/{hash}/actions/delete-permanent: gone, and never re-imported. */
  deletePermanent(hash: string): void {
    this.get(hash);
    this.members.delete(hash);
    this.forgotten.add(hash);
  }
}

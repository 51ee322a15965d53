import { z } from 'zod';
import { FINGERPRINT_PATTERN } from '../fingerprint';
import { normalizeLicenseKey } from '../license-key';
import { PRODUCT_ID_PATTERN } from '../token-file';
import { Email, IsoDateTime, NextCursor, PageQuery, Uuid } from './common';

/** What kind of right a license grants; `policy` names the plan (standard, pro, ...). */
export const LicenseType = z.enum(['perpetual', 'subscription', 'trial', 'nfr']);
export type LicenseType = z.infer<typeof LicenseType>;

export const LicenseState = z.enum(['active', 'suspended', 'revoked', 'expired']);
export type LicenseState = z.infer<typeof LicenseState>;

export const ProductId = z.string().regex(PRODUCT_ID_PATTERN, 'A product id is lowercase letters, digits and _.');
export const PolicyName = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'A policy name is lowercase letters, digits and _.');

/**
 * Accepts what a user pastes (any case, stray spaces). The shape and check
 * character are checked by the service, so a mistyped key reads as an unknown
 * key (`license_invalid`, `NOT_FOUND`) rather than as a malformed request.
 */
export const LicenseKeyInput = z.string().trim().min(1).max(64).transform(normalizeLicenseKey);

export const Fingerprint = z
  .string()
  .trim()
  .toLowerCase()
  .regex(FINGERPRINT_PATTERN, 'A fingerprint is 64 hex characters (HMAC-SHA256 of the machine id).');

/** Hashes of hardware parts (cpu, board, disk, hostname, ...) used to recognise a reinstalled machine. */
export const HardwareComponents = z
  .record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/), z.string().min(1).max(128))
  .refine((c) => Object.keys(c).length <= 16, { message: 'Send at most 16 components.' });
export type HardwareComponents = z.infer<typeof HardwareComponents>;

export const Version = z.string().trim().min(1).max(64);
export const MachineText = z.string().trim().min(1).max(100);

/** A request names its machine by hardware_id, or by its alias fingerprint (equal when both are sent). */
const MachineNaming = { hardware_id: Fingerprint.optional(), /** Alias of hardware_id. */ fingerprint: Fingerprint.optional() };
type Naming = { hardware_id?: string | undefined; fingerprint?: string | undefined };
const namesMachine = (b: Naming) => b.hardware_id !== undefined || b.fingerprint !== undefined;
const NAMES_MACHINE = { message: 'Send hardware_id (the machine fingerprint).', path: ['hardware_id'] };
const namesOneMachine = (b: Naming) => b.hardware_id === undefined || b.fingerprint === undefined || b.hardware_id === b.fingerprint;
const NAMES_ONE_MACHINE = { message: 'hardware_id and fingerprint differ.', path: ['fingerprint'] };
/** Always read as hardware_id. */
function asHardwareId<T extends Naming>({ fingerprint, hardware_id, ...rest }: T) {
  return { ...rest, hardware_id: (hardware_id ?? fingerprint)! };
}

export const ActivateRequest = z
  .strictObject({
    license_key: LicenseKeyInput,
    ...MachineNaming,
    machine_name: MachineText,
    os: MachineText,
    components: HardwareComponents.optional(),
    app_version: Version.optional(),
    plugin_version: Version.optional(),
  })
  .refine(namesMachine, NAMES_MACHINE)
  .refine(namesOneMachine, NAMES_ONE_MACHINE)
  .transform(asHardwareId);
export type ActivateRequest = z.output<typeof ActivateRequest>;

/**
 * Starts the account's 14-day trial of a product on this machine, activated in
 * the same call (the answer is an activation's). The machine's name and OS are
 * optional here: a trial starts from one button.
 */
export const TrialRequest = z
  .strictObject({
    product: ProductId.default('mixing_mentor'),
    ...MachineNaming,
    machine_name: MachineText.default('My computer'),
    os: MachineText.default('Unknown'),
    components: HardwareComponents.optional(),
    app_version: Version.optional(),
    plugin_version: Version.optional(),
  })
  .refine(namesMachine, NAMES_MACHINE)
  .refine(namesOneMachine, NAMES_ONE_MACHINE)
  .transform(asHardwareId);
export type TrialRequest = z.output<typeof TrialRequest>;

/** A machine as the seed lists it (in max_activations_reached and in status). */
export const ActivationSummary = z.object({
  id: Uuid,
  machine_name: z.string(),
  os: z.string(),
  activated_at: IsoDateTime,
  last_validated: IsoDateTime.nullable(),
  /** No heartbeat or validation for longer than the offline grace. */
  stale: z.boolean(),
});
export type ActivationSummary = z.infer<typeof ActivationSummary>;

export const ActivationView = ActivationSummary.extend({
  fingerprint: z.string(),
  app_version: z.string().nullable(),
  plugin_version: z.string().nullable(),
  last_seen_at: IsoDateTime,
  /** An emergency token's machine: beyond the seats until then, when it ends by itself. */
  emergency_until: IsoDateTime.nullable(),
});
export type ActivationView = z.infer<typeof ActivationView>;

export const ActivateResponse = z.object({
  status: z.literal('activated'),
  activation_id: Uuid,
  activation_token: z.string(),
  token_expires_at: IsoDateTime,
  license_id: Uuid,
  license_key: z.string(),
  product: z.string(),
  policy: z.string(),
  license_type: LicenseType,
  max_activations: z.number().int(),
  activations_remaining: z.number().int(),
  expires_at: IsoDateTime.nullable(),
  entitlements: z.array(z.string()),
  /** True when this machine was already active: no new seat was used. */
  already_active: z.boolean(),
  /** Set when this machine took over the seat of a recognised earlier install. */
  rebound: z.object({ previous_activation_id: Uuid, changed_components: z.array(z.string()) }).nullable(),
});
export type ActivateResponse = z.infer<typeof ActivateResponse>;

/** An emergency token's activation: a machine beyond the seats, until `emergency_until`. */
export const EmergencyResponse = ActivateResponse.extend({ emergency_until: IsoDateTime });
export type EmergencyResponse = z.infer<typeof EmergencyResponse>;

/** The seed's 400 body when every seat is taken: the machines to pick from for deactivation. */
export const MaxActivationsReachedBody = z.object({
  error: z.literal('max_activations_reached'),
  message: z.string(),
  max_activations: z.number().int(),
  activations: z.array(ActivationSummary),
});
export type MaxActivationsReachedBody = z.infer<typeof MaxActivationsReachedBody>;

export const DeactivateRequest = z.strictObject({
  activation_id: Uuid,
  /**
   * The machine's own current activation token, when the machine deactivates
   * itself: that proves it lets go, so the seat frees at once. Without it the
   * machine stays pending until it hears of it or its token expires.
   */
  activation_token: z.string().min(1).max(8192).optional(),
});
export const DeactivateResponse = z.object({
  status: z.literal('deactivated'),
  message: z.literal('machine_deactivated'),
  /** Until when the machine's last token may still verify offline; null when it let go (freed at once). */
  pending_until: IsoDateTime.nullable(),
});

/** A machine deactivated from elsewhere whose token may still verify offline, and when that ends. */
export const PendingMachine = z.object({
  id: Uuid,
  machine_name: z.string(),
  os: z.string(),
  deactivated_at: IsoDateTime,
  frees_at: IsoDateTime,
});
export type PendingMachine = z.infer<typeof PendingMachine>;
export type DeactivateResponse = z.infer<typeof DeactivateResponse>;

export const LicenseStatusQuery = z.strictObject({
  license_key: LicenseKeyInput.optional(),
  /** Without license_key: whose most recent license answers (the seed's flat object). */
  product: ProductId.default('mixing_mentor'),
});

export const LicenseStatus = z.object({
  license_id: Uuid,
  status: LicenseState,
  license_key: z.string(),
  product: z.string(),
  policy: z.string(),
  license_type: LicenseType,
  expires_at: IsoDateTime.nullable(),
  max_activations: z.number().int(),
  activations_remaining: z.number().int(),
  entitlements: z.array(z.string()),
  activations: z.array(ActivationView),
});
export type LicenseStatus = z.infer<typeof LicenseStatus>;

/** The seed's flat object for the most recent license of the product, and the caller's other licenses beside it. */
export const LicenseStatusWithOthers = LicenseStatus.extend({ licenses: z.array(LicenseStatus) });
/** One license when `license_key` is given, else the most recent of the product with the rest in `licenses`. */
export const LicenseStatusResponse = z.union([LicenseStatusWithOthers, LicenseStatus]);
export type LicenseStatusResponse = z.infer<typeof LicenseStatusResponse>;

export const LicenseSummary = z.object({
  id: Uuid,
  license_key: z.string(),
  product: z.string(),
  policy: z.string(),
  license_type: LicenseType,
  status: LicenseState,
  created_at: IsoDateTime,
  expires_at: IsoDateTime.nullable(),
  activations_count: z.number().int(),
  max_activations: z.number().int(),
});
export type LicenseSummary = z.infer<typeof LicenseSummary>;

export const LicenseListQuery = PageQuery;
export const LicenseList = z.object({ licenses: z.array(LicenseSummary), next_cursor: NextCursor });
export type LicenseList = z.infer<typeof LicenseList>;

/** Every answer of POST /license/validate; only VALID means the plugin may run. */
export const ValidationCode = z.enum([
  'VALID',
  'NOT_FOUND',
  'NOT_ACTIVATED',
  'FINGERPRINT_MISMATCH',
  'EXPIRED',
  'SUSPENDED',
  'REVOKED',
  'ENTITLEMENT_MISSING',
  'PRODUCT_MISMATCH',
]);
export type ValidationCode = z.infer<typeof ValidationCode>;

export const ValidateRequest = z.strictObject({
  license_key: LicenseKeyInput,
  fingerprint: Fingerprint,
  product: ProductId.optional(),
  /** Entitlements the caller needs, e.g. ["mixing_mentor.pro"]. */
  entitlements: z.array(z.string().min(1).max(100)).max(32).optional(),
});
export type ValidateRequest = z.output<typeof ValidateRequest>;

export const ValidateResponse = z.object({
  valid: z.boolean(),
  code: ValidationCode,
  product: z.string().optional(),
  policy: z.string().optional(),
  license_type: LicenseType.optional(),
  expires_at: IsoDateTime.nullable().optional(),
  entitlements: z.array(z.string()).optional(),
});
export type ValidateResponse = z.infer<typeof ValidateResponse>;

export const HeartbeatRequest = z.strictObject({
  activation_token: z.string().trim().min(20).max(8192),
  app_version: Version.optional(),
  plugin_version: Version.optional(),
});
export type HeartbeatRequest = z.output<typeof HeartbeatRequest>;

export const HeartbeatResponse = z.object({
  status: z.literal('active'),
  activation_id: Uuid,
  activation_token: z.string(),
  token_expires_at: IsoDateTime,
  expires_at: IsoDateTime.nullable(),
  entitlements: z.array(z.string()),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

/** A published Ed25519 verification key (RFC 8037). */
export const PublicJwk = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  kid: z.string().min(1),
  alg: z.literal('EdDSA').optional(),
  use: z.literal('sig').optional(),
});
export type PublicJwk = z.infer<typeof PublicJwk>;
export const Jwks = z.object({ keys: z.array(PublicJwk) });
export type Jwks = z.infer<typeof Jwks>;

// ---- admin ----

const Reason = z.string().trim().min(1).max(500);

export const AdminGrantLicenseRequest = z
  .strictObject({
    user_id: Uuid.optional(),
    email: Email.optional(),
    product: ProductId.default('mixing_mentor'),
    policy: PolicyName,
    /** Overrides the policy's duration; null makes it never expire. */
    expires_at: IsoDateTime.nullable().optional(),
    reason: Reason.optional(),
  })
  .refine((b) => (b.user_id === undefined) !== (b.email === undefined), {
    message: 'Send either user_id or email.',
    path: ['user_id'],
  });
export type AdminGrantLicenseRequest = z.output<typeof AdminGrantLicenseRequest>;

export const AdminActivation = z.object({
  id: Uuid,
  license_id: Uuid,
  license_key: z.string(),
  user_id: Uuid,
  fingerprint: z.string(),
  machine_name: z.string(),
  os: z.string(),
  app_version: z.string().nullable(),
  plugin_version: z.string().nullable(),
  component_names: z.array(z.string()),
  activated_at: IsoDateTime,
  last_validated_at: IsoDateTime.nullable(),
  last_heartbeat_at: IsoDateTime.nullable(),
  token_expires_at: IsoDateTime.nullable(),
  stale_at: IsoDateTime.nullable(),
  deactivated_at: IsoDateTime.nullable(),
  deactivation_reason: z.string().nullable(),
  created_at: IsoDateTime,
  /** Set for an emergency token's machine: when it ends by itself. */
  emergency_until: IsoDateTime.nullable(),
});
export type AdminActivation = z.infer<typeof AdminActivation>;

export const AdminLicense = LicenseSummary.extend({
  user_id: Uuid,
  user_email: z.string(),
  status_reason: z.string().nullable(),
  source_type: z.enum(['purchase', 'admin', 'trial']),
  source_id: z.string().nullable(),
  /** Set when an admin changed the seat count of this one license. */
  max_activations_override: z.number().int().nullable(),
  entitlements: z.array(z.string()),
  updated_at: IsoDateTime,
});
export type AdminLicense = z.infer<typeof AdminLicense>;

export const AdminLicenseDetail = AdminLicense.extend({ activations: z.array(AdminActivation) });
export type AdminLicenseDetail = z.infer<typeof AdminLicenseDetail>;

export const AdminLicenseListQuery = PageQuery.extend({
  /** A license key (or its start) or part of the owner's email. */
  q: z.string().trim().min(1).max(254).optional(),
  user_id: Uuid.optional(),
  product: ProductId.optional(),
  status: LicenseState.optional(),
});
export type AdminLicenseListQuery = z.output<typeof AdminLicenseListQuery>;
export const AdminLicenseList = z.object({ licenses: z.array(AdminLicense), next_cursor: NextCursor });

export const AdminLicenseParams = z.strictObject({ id: Uuid });

export const AdminUpdateLicenseRequest = z
  .strictObject({
    expires_at: IsoDateTime.nullable().optional(),
    /** Seats for this license only; null goes back to the policy's number. */
    max_activations: z.number().int().min(1).max(1000).nullable().optional(),
    reason: Reason.optional(),
  })
  .refine((b) => b.expires_at !== undefined || b.max_activations !== undefined, {
    message: 'Send expires_at, max_activations or both.',
  });
export type AdminUpdateLicenseRequest = z.output<typeof AdminUpdateLicenseRequest>;

export const AdminReasonRequest = z.strictObject({ reason: Reason });
export const AdminOptionalReasonRequest = z.strictObject({ reason: Reason.optional() });

export const AdminActivationListQuery = PageQuery.extend({
  license_id: Uuid.optional(),
  user_id: Uuid.optional(),
  fingerprint: Fingerprint.optional(),
  state: z.enum(['live', 'stale', 'deactivated', 'all']).default('live'),
});
export type AdminActivationListQuery = z.output<typeof AdminActivationListQuery>;
export const AdminActivationList = z.object({ activations: z.array(AdminActivation), next_cursor: NextCursor });

export const AdminResetActivationsResponse = z.object({ deactivated: z.number().int() });

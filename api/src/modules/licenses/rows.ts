import type {
  ActivationSummary,
  ActivationView,
  AdminActivation,
  AdminLicense,
  HardwareComponents,
  LicenseState,
  LicenseStatus,
  LicenseSummary,
  LicenseType,
} from '@ngn/shared';
import type { LicenseSourceType } from '../../db/models';

/**
 * Row shapes of the licensing queries, the SQL that produces them, and their
 * JSON views. Queries are raw SQL because they join, lock and count in one
 * round trip; the column lists live here so every query returns the same shape.
 */
export interface LicenseRow {
  id: string;
  license_key: string;
  user_id: string;
  product_id: string;
  policy_id: string;
  status: LicenseState;
  status_reason: string | null;
  expires_at: Date | null;
  max_activations_override: number | null;
  source_type: LicenseSourceType;
  source_id: string | null;
  created_at: Date;
  updated_at: Date;
  policy: string;
  license_type: LicenseType;
  /** The seats that apply: the admin's override, else the policy's. */
  max_activations: number;
  offline_grace_days: number;
  /** A file-activated machine's offline grace, when the policy gives it a longer one. */
  airgap_grace_days: number | null;
  max_deactivations: number | null;
  deactivation_window_days: number;
  entitlements: string[];
  /** status 'expired', or expires_at has passed (the database's clock). */
  expired: boolean;
}

export const LICENSE_COLUMNS = `
  l.id, l.license_key, l.user_id, l.product_id, l.policy_id, l.status, l.status_reason, l.expires_at,
  l.max_activations_override, l.source_type, l.source_id, l.created_at, l.updated_at,
  p.name AS policy, p.license_type, COALESCE(l.max_activations_override, p.max_activations) AS max_activations,
  p.offline_grace_days, p.airgap_grace_days, p.max_deactivations, p.deactivation_window_days, p.entitlements,
  (l.status = 'expired' OR l.expires_at <= now()) AS expired`;

export const LICENSE_FROM = `licenses l JOIN policies p ON p.id = l.policy_id`;

export interface ActivationRow {
  id: string;
  license_id: string;
  fingerprint: string;
  components: HardwareComponents;
  machine_name: string;
  os: string;
  app_version: string | null;
  plugin_version: string | null;
  activated_at: Date;
  last_validated_at: Date | null;
  last_heartbeat_at: Date | null;
  token_expires_at: Date | null;
  stale_at: Date | null;
  deactivated_at: Date | null;
  deactivation_reason: string | null;
  created_at: Date;
  emergency_until: Date | null;
  /** The latest sign of life: activation, heartbeat or online validation. */
  last_seen_at: Date;
}

export const ACTIVATION_COLUMNS = `
  a.id, a.license_id, a.fingerprint, a.components, a.machine_name, a.os, a.app_version, a.plugin_version,
  a.activated_at, a.last_validated_at, a.last_heartbeat_at, a.token_expires_at, a.stale_at,
  a.deactivated_at, a.deactivation_reason, a.created_at, a.emergency_until,
  GREATEST(a.activated_at, a.last_validated_at, a.last_heartbeat_at) AS last_seen_at`;

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export function activationSummary(a: ActivationRow): ActivationSummary {
  return {
    id: a.id,
    machine_name: a.machine_name,
    os: a.os,
    activated_at: iso(a.activated_at),
    last_validated: isoOrNull(a.last_validated_at),
    stale: a.stale_at !== null,
  };
}

export function activationView(a: ActivationRow): ActivationView {
  return {
    ...activationSummary(a),
    fingerprint: a.fingerprint,
    app_version: a.app_version,
    plugin_version: a.plugin_version,
    last_seen_at: iso(a.last_seen_at),
    emergency_until: isoOrNull(a.emergency_until),
  };
}

export function licenseStatus(l: LicenseRow, live: ActivationRow[]): LicenseStatus {
  return {
    license_id: l.id,
    status: l.status,
    license_key: l.license_key,
    product: l.product_id,
    policy: l.policy,
    license_type: l.license_type,
    expires_at: isoOrNull(l.expires_at),
    max_activations: l.max_activations,
    activations_remaining: Math.max(0, l.max_activations - live.length),
    entitlements: l.entitlements,
    activations: live.map(activationView),
  };
}

export function licenseSummary(l: LicenseRow & { activations_count: number }): LicenseSummary {
  return {
    id: l.id,
    license_key: l.license_key,
    product: l.product_id,
    policy: l.policy,
    license_type: l.license_type,
    status: l.status,
    created_at: iso(l.created_at),
    expires_at: isoOrNull(l.expires_at),
    activations_count: l.activations_count,
    max_activations: l.max_activations,
  };
}

export function adminLicense(l: LicenseRow & { activations_count: number; user_email: string }): AdminLicense {
  return {
    ...licenseSummary(l),
    user_id: l.user_id,
    user_email: l.user_email,
    status_reason: l.status_reason,
    source_type: l.source_type,
    source_id: l.source_id,
    max_activations_override: l.max_activations_override,
    entitlements: l.entitlements,
    updated_at: iso(l.updated_at),
  };
}

export function adminActivation(a: ActivationRow & { license_key: string; user_id: string }): AdminActivation {
  return {
    id: a.id,
    license_id: a.license_id,
    license_key: a.license_key,
    user_id: a.user_id,
    fingerprint: a.fingerprint,
    machine_name: a.machine_name,
    os: a.os,
    app_version: a.app_version,
    plugin_version: a.plugin_version,
    component_names: Object.keys(a.components).sort(),
    activated_at: iso(a.activated_at),
    last_validated_at: isoOrNull(a.last_validated_at),
    last_heartbeat_at: isoOrNull(a.last_heartbeat_at),
    token_expires_at: isoOrNull(a.token_expires_at),
    stale_at: isoOrNull(a.stale_at),
    deactivated_at: isoOrNull(a.deactivated_at),
    deactivation_reason: a.deactivation_reason,
    created_at: iso(a.created_at),
    emergency_until: isoOrNull(a.emergency_until),
  };
}

/**
 * The one error type the companion surfaces to its UI. It carries a stable
 * snake_case `code` (the API's own code when the API answered, or one of the
 * companion's codes below), a sentence for people, and optional details such as
 * the machines to free when `max_activations_reached`. It survives both
 * transports (Electron IPC and the WebSocket bridge) as plain JSON.
 */
export const COMPANION_ERROR_CODES = [
  'offline',
  'timeout',
  'not_signed_in',
  'keychain_unavailable',
  'invalid_response',
  'invalid_request',
  'not_activated',
  'activation_token_invalid',
  'download_not_found',
  'download_failed',
  'checksum_mismatch',
  'signature_invalid',
  'keyset_invalid',
  'size_mismatch',
  'no_release_for_platform',
  'install_failed',
  'url_not_allowed',
  'unsupported',
  'internal_error',
] as const;
export type CompanionErrorCode = (typeof COMPANION_ERROR_CODES)[number];

export interface SerializedError {
  code: string;
  message: string;
  status?: number;
  details?: unknown;
}

export class CompanionError extends Error {
  readonly code: CompanionErrorCode | (string & {});
  /** HTTP status when the API answered with an error. */
  readonly status: number | undefined;
  readonly details: unknown;

  constructor(code: CompanionErrorCode | (string & {}), message: string, opts: { status?: number; details?: unknown; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CompanionError';
    this.code = code;
    this.status = opts.status;
    this.details = opts.details;
  }

  toJSON(): SerializedError {
    const out: SerializedError = { code: this.code, message: this.message };
    if (this.status !== undefined) out.status = this.status;
    if (this.details !== undefined) out.details = this.details;
    return out;
  }

  static from(serialized: SerializedError): CompanionError {
    return new CompanionError(serialized.code, serialized.message, { status: serialized.status, details: serialized.details });
  }
}

/** Turns anything thrown into what a transport sends; unknown errors never leak their internals. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof CompanionError) return err.toJSON();
  return { code: 'internal_error', message: 'Something went wrong in the companion. Check its log for details.' };
}

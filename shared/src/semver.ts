/**
 * Semantic Versioning 2.0.0 (semver.org), the subset every side needs: is a
 * string a version, and which of two versions is newer. Pure, so the API (which
 * release is latest), the companion (is an update newer) and tests agree.
 */

/** The official semver.org pattern, without the leading "v" some tools accept. */
export const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Dot-separated pre-release identifiers, e.g. ['beta', '2']; empty for a release. */
  prerelease: string[];
}

export function parseSemver(version: string): SemVer | undefined {
  const m = SEMVER_PATTERN.exec(version);
  if (!m) return undefined;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (![major, minor, patch].every(Number.isSafeInteger)) return undefined;
  return { major, minor, patch, prerelease: m[4] ? m[4].split('.') : [] };
}

export function isSemver(version: string): boolean {
  return parseSemver(version) !== undefined;
}

const NUMERIC = /^\d+$/;

function compareIdentifiers(a: string, b: string): number {
  const an = NUMERIC.test(a);
  const bn = NUMERIC.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an !== bn) return an ? -1 : 1; // numeric identifiers sort before alphanumeric ones
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Negative when a < b, 0 when equal in precedence (build metadata is ignored),
 * positive when a > b. Throws on a string that is not a version: callers
 * validate first, and a silent order for garbage would hide the bug.
 */
export function compareSemver(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (!x || !y) throw new Error(`Not a semantic version: ${!x ? a : b}`);
  const core = Math.sign(x.major - y.major) || Math.sign(x.minor - y.minor) || Math.sign(x.patch - y.patch);
  if (core) return core;
  // A pre-release has lower precedence than the release itself.
  if (!x.prerelease.length || !y.prerelease.length) return Math.sign(y.prerelease.length - x.prerelease.length);
  for (let i = 0; i < Math.min(x.prerelease.length, y.prerelease.length); i += 1) {
    const c = compareIdentifiers(x.prerelease[i]!, y.prerelease[i]!);
    if (c) return c;
  }
  return Math.sign(x.prerelease.length - y.prerelease.length);
}

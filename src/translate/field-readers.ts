import { TranslationError } from './translation.ts';

/**
 * Reads a client's JSON body. A field of the wrong shape fails with the field's path, so the
 * client learns which part of its request to fix rather than getting a backend's guess.
 */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireRecord(value: unknown, param: string): Record<string, unknown> {
  if (!isRecord(value)) throw new TranslationError(`${param} must be an object.`, param);
  return value;
}

export function requireArray(value: unknown, param: string): unknown[] {
  if (!Array.isArray(value)) throw new TranslationError(`${param} must be an array.`, param);
  return value;
}

export function requireString(value: unknown, param: string): string {
  if (typeof value !== 'string') throw new TranslationError(`${param} must be a string.`, param);
  return value;
}

export function optionalString(value: unknown, param: string): string | undefined {
  return value === undefined || value === null ? undefined : requireString(value, param);
}

/** Copies the fields a backend reads the same way, leaving out the absent ones. */
export function copyFields(from: Record<string, unknown>, to: Record<string, unknown>, names: Record<string, string>): void {
  for (const [source, target] of Object.entries(names)) {
    const value = from[source];
    if (value !== undefined && value !== null) to[target] = value;
  }
}

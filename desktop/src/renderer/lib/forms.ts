/**
 * Form state validated by the same zod schemas the API uses (from `shared/`):
 * a field shows its message once it has been left or the form submitted, and
 * the API's own field messages (validation_failed) land on the same fields.
 */
import { useCallback, useMemo, useState, type ChangeEvent, type FormEvent } from 'react';
import type { z } from 'zod';
import { fieldErrors, type UiError } from './companion-hooks';

type Values = Record<string, string>;

/** Plain-language messages for zod's generic ones. */
function friendly(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) <= 1) return 'This field is required.';
  if (issue.code === 'too_small' && issue.origin === 'string') return `Use at least ${String(issue.minimum)} characters.`;
  if (issue.code === 'too_big' && issue.origin === 'string') return `Use at most ${String(issue.maximum)} characters.`;
  return issue.message;
}

export function validate<S extends z.ZodType>(schema: S, values: unknown): { data?: z.output<S>; errors: Record<string, string> } {
  const result = schema.safeParse(values);
  if (result.success) return { data: result.data, errors: {} };
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.');
    errors[key] ??= friendly(issue);
  }
  return { errors };
}

export interface Form<V extends Values> {
  values: V;
  /** Props for a TextField: value, onChange, onBlur, error. */
  field: (name: keyof V & string) => {
    name: string;
    value: string;
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => void;
    onBlur: () => void;
    error: string | undefined;
  };
  set: (name: keyof V & string, value: string) => void;
  /** Validates everything; calls `onValid` only with parsed data. */
  onSubmit: (e: FormEvent) => void;
  /**
   * Puts the API's field errors on the fields, and errors whose code belongs
   * to one field (e.g. email_already_exists) on that field. True when any landed.
   */
  applyServerError: (error: UiError | null, codeFields?: Record<string, keyof V & string>) => boolean;
  reset: (values?: V) => void;
}

export function useForm<V extends Values, S extends z.ZodType>(
  schema: S,
  initial: V,
  onValid: (data: z.output<S>) => void | Promise<void>,
  /** Extra checks beyond the schema (e.g. "passwords match"). */
  extra?: (values: V) => Record<string, string>,
): Form<V> {
  const [values, setValues] = useState<V>(initial);
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [submitted, setSubmitted] = useState(false);
  const [server, setServer] = useState<Record<string, string>>({});

  const errors = useMemo(() => ({ ...validate(schema, values).errors, ...extra?.(values) }), [schema, values, extra]);

  const set = useCallback((name: keyof V & string, value: string) => {
    setValues((v) => ({ ...v, [name]: value }));
    setServer((s) => {
      if (!(name in s)) return s;
      const { [name]: _gone, ...rest } = s;
      return rest;
    });
  }, []);

  const field: Form<V>['field'] = (name) => ({
    name,
    value: values[name] ?? '',
    onChange: (e) => set(name, e.target.value),
    onBlur: () => setTouched((t) => (t[name] ? t : { ...t, [name]: true })),
    error: server[name] ?? ((touched[name] && values[name] !== '') || submitted ? errors[name] : undefined),
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    const { data, errors: schemaErrors } = validate(schema, values);
    const more = extra?.(values) ?? {};
    const invalid = { ...schemaErrors, ...more };
    if (!data || Object.keys(invalid).length) {
      // The first invalid field as the user sees the form, not in the schema's order.
      const fields = [...(e.currentTarget as HTMLFormElement).elements] as HTMLInputElement[];
      fields.find((el) => el.name && el.name in invalid)?.focus();
      return;
    }
    void onValid(data);
  };

  const applyServerError = (error: UiError | null, codeFields: Record<string, keyof V & string> = {}) => {
    const mapped = fieldErrors(error);
    const owner = error ? codeFields[error.code] : undefined;
    if (error && owner) mapped[owner] = error.message;
    setServer(mapped);
    return Object.keys(mapped).length > 0;
  };

  const reset = (next?: V) => {
    setValues(next ?? initial);
    setTouched({});
    setSubmitted(false);
    setServer({});
  };

  return { values, field, set, onSubmit, applyServerError, reset };
}

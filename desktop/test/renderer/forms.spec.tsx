import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { RegisterRequest } from '@ngn/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TextField } from '../../src/renderer/components/ui';
import type { UiError } from '../../src/renderer/lib/companion-hooks';
import { useForm } from '../../src/renderer/lib/forms';

afterEach(cleanup);

function RegisterForm({ onValid, serverError }: { onValid: (data: RegisterRequest) => void; serverError?: UiError }) {
  const form = useForm(RegisterRequest, { first_name: '', last_name: '', email: '', password: '' }, onValid);
  return (
    <form onSubmit={form.onSubmit} noValidate>
      <TextField label="First name" {...form.field('first_name')} />
      <TextField label="Last name" {...form.field('last_name')} />
      <TextField label="Email" {...form.field('email')} />
      <TextField label="Password" {...form.field('password')} />
      <button type="submit">Create</button>
      <button type="button" onClick={() => form.applyServerError(serverError ?? null, { email_already_exists: 'email' })}>
        Server says no
      </button>
    </form>
  );
}

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe('useForm with the shared schemas', () => {
  it('shows a field’s message once the user leaves it, not while typing', () => {
    render(<RegisterForm onValid={() => {}} />);
    type('Email', 'not-an-email');
    expect(screen.queryByText('Enter a valid email address.')).toBeNull();
    fireEvent.blur(screen.getByLabelText('Email'));
    expect(screen.getByText('Enter a valid email address.')).toBeTruthy();
    expect(screen.getByLabelText('Email').getAttribute('aria-invalid')).toBe('true');
    type('Password', 'onlyletterslong');
    fireEvent.blur(screen.getByLabelText('Password'));
    expect(screen.getByText('Mix letters with at least one digit or symbol.')).toBeTruthy();
  });

  it('on submit, flags empty fields and focuses the first, without calling back', () => {
    const onValid = vi.fn();
    render(<RegisterForm onValid={onValid} />);
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(onValid).not.toHaveBeenCalled();
    expect(screen.getAllByText('This field is required.')).toHaveLength(2);
    expect(document.activeElement).toBe(screen.getByLabelText('First name'));
  });

  it('hands over the parsed data (email trimmed and lowercased by the schema)', async () => {
    const onValid = vi.fn();
    render(<RegisterForm onValid={onValid} />);
    type('First name', 'Ada');
    type('Last name', 'Lovelace');
    type('Email', 'Ada@Example.COM');
    type('Password', 'Studio-monitors-42');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    });
    expect(onValid).toHaveBeenCalledWith({ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', password: 'Studio-monitors-42' });
  });

  it('puts the API’s answers on the fields they are about', () => {
    const { rerender } = render(
      <RegisterForm onValid={() => {}} serverError={{ code: 'validation_failed', message: 'Some fields are missing or invalid.', details: [{ path: 'body.last_name', message: 'Too long.' }] }} />,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Server says no' }));
    expect(screen.getByText('Too long.')).toBeTruthy();
    rerender(<RegisterForm onValid={() => {}} serverError={{ code: 'email_already_exists', message: 'An account with this email already exists.' }} />);
    fireEvent.click(screen.getByRole('button', { name: 'Server says no' }));
    expect(screen.getByText('An account with this email already exists.')).toBeTruthy();
    // Editing the field clears the server's message.
    type('Email', 'other@example.com');
    expect(screen.queryByText('An account with this email already exists.')).toBeNull();
  });
});

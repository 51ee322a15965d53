/**
 * Sign in, create an account, forgot / reset password and confirm the email.
 * Fields are checked with the API's own schemas as the user types; the API's
 * answers (wrong password, address taken) land on the form.
 */
import { useState, type ReactNode } from 'react';
import { ForgotPasswordRequest, LoginRequest, PASSWORD_MIN, RegisterRequest, ResetPasswordRequest, VerifyEmailRequest } from '@ngn/shared';
import { BrandMark } from '../components/Shell';
import { Icon } from '../components/Icon';
import { Banner, Button, ErrorBanner, PasswordField, TextField } from '../components/ui';
import { useAppState } from '../lib/app-state';
import { useAction, useCall } from '../lib/companion-hooks';
import { useForm } from '../lib/forms';
import { href, navigate, useLocation, type AuthRoute } from '../lib/router';

const PASSWORD_HINT = `At least ${PASSWORD_MIN} characters, mixing letters with a digit or symbol.`;

export function AuthScreen({ route }: { route: AuthRoute }) {
  const screens: Record<AuthRoute, ReactNode> = {
    'sign-in': <SignIn />,
    register: <Register />,
    'forgot-password': <ForgotPassword />,
    'reset-password': <ResetPassword />,
    'verify-email': <VerifyEmail />,
  };
  return (
    <div className="auth">
      <aside className="auth-art" aria-hidden="true">
        <div className="brand">
          <BrandMark size={40} />
          <span className="brand-text">
            <span className="brand-name" style={{ fontSize: 'var(--text-lg)' }}>
              NextGen Noise
            </span>
            <span className="brand-sub">Companion</span>
          </span>
        </div>
        <svg className="wave" viewBox="0 0 600 160" preserveAspectRatio="none">
          <path d="M0 80 C 60 10, 120 150, 180 80 S 300 10, 360 80 S 480 150, 540 80 S 600 40, 600 80" fill="none" stroke="#fff" strokeWidth="2" />
          <path d="M0 90 C 70 40, 110 140, 190 90 S 310 30, 370 90 S 470 140, 550 90" fill="none" stroke="#fff" strokeWidth="1.2" opacity="0.6" />
        </svg>
        <div>
          <h1>Your plugins, licenses and updates in one place.</h1>
          <p>Activate Mixing Mentor on your machines, keep it up to date and get help when you need it.</p>
          <ul className="auth-points">
            <li>
              <Icon name="key" /> Activate and move licenses between machines
            </li>
            <li>
              <Icon name="shieldCheck" /> Verified, resumable installer downloads
            </li>
            <li>
              <Icon name="wifiOff" /> Keeps working offline for weeks
            </li>
          </ul>
        </div>
      </aside>
      <div className="auth-form-wrap">{screens[route]}</div>
    </div>
  );
}

function FormHead({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="auth-form-head">
      <h1>{title}</h1>
      {children && <p>{children}</p>}
    </div>
  );
}

function SignIn() {
  const call = useCall();
  const { setAuth } = useAppState();
  const action = useAction((body: LoginRequest) => call('auth:login', body));
  const form = useForm(LoginRequest, { email: '', password: '' }, async (body) => {
    const out = await action.run(body);
    if (out.ok) {
      setAuth(out.value);
      navigate('home');
    } else form.applyServerError(out.error);
  });
  return (
    <form className="auth-form" onSubmit={form.onSubmit} noValidate aria-labelledby="sign-in-title">
      <div className="auth-form-head">
        <h1 id="sign-in-title">Sign in</h1>
        <p>Welcome back. Sign in with your NextGen Noise account.</p>
      </div>
      {action.error && action.error.code !== 'validation_failed' && <ErrorBanner error={action.error} title="Could not sign in" />}
      <TextField label="Email" type="email" autoComplete="email" autoFocus {...form.field('email')} />
      <div className="stack stack-sm" style={{ gap: 0 }}>
        <PasswordField label="Password" autoComplete="current-password" {...form.field('password')} />
        <a href={href('forgot-password')} style={{ alignSelf: 'flex-end', fontSize: 'var(--text-sm)', marginTop: -14 }}>
          Forgot your password?
        </a>
      </div>
      <Button type="submit" variant="primary" block busy={action.busy}>
        Sign in
      </Button>
      <p className="auth-switch">
        New to NextGen Noise? <a href={href('register')}>Create an account</a>
      </p>
    </form>
  );
}

function Register() {
  const call = useCall();
  const { setAuth } = useAppState();
  const action = useAction((body: RegisterRequest) => call('auth:register', body));
  const [newsletter, setNewsletter] = useState(false);
  const form = useForm(RegisterRequest, { first_name: '', last_name: '', email: '', password: '' }, async (body) => {
    const out = await action.run({ ...body, newsletter });
    if (out.ok) {
      setAuth(out.value);
      navigate('verify-email');
    } else form.applyServerError(out.error, { email_already_exists: 'email' });
  });
  const fieldError = action.error && (action.error.code === 'validation_failed' || action.error.code === 'email_already_exists');
  return (
    <form className="auth-form" onSubmit={form.onSubmit} noValidate aria-labelledby="register-title">
      <div className="auth-form-head">
        <h1 id="register-title">Create your account</h1>
        <p>One account for your licenses, downloads and support.</p>
      </div>
      {action.error && !fieldError && <ErrorBanner error={action.error} title="Could not create the account" />}
      <div className="grid-2" style={{ gap: 'var(--space-3)' }}>
        <TextField label="First name" autoComplete="given-name" autoFocus {...form.field('first_name')} />
        <TextField label="Last name" autoComplete="family-name" {...form.field('last_name')} />
      </div>
      <TextField label="Email" type="email" autoComplete="email" {...form.field('email')} />
      <PasswordField label="Password" autoComplete="new-password" hint={PASSWORD_HINT} {...form.field('password')} />
      <label className="checkbox">
        <input type="checkbox" checked={newsletter} onChange={(e) => setNewsletter(e.target.checked)} />
        <span>Send me the NextGen Noise newsletter (mixing tips and news, a few times a year)</span>
      </label>
      <Button type="submit" variant="primary" block busy={action.busy}>
        Create account
      </Button>
      <p className="auth-switch">
        Already have an account? <a href={href('sign-in')}>Sign in</a>
      </p>
    </form>
  );
}

function ForgotPassword() {
  const call = useCall();
  const [sentTo, setSentTo] = useState<string | null>(null);
  const action = useAction((body: { email: string }) => call('auth:forgot-password', body));
  const form = useForm(ForgotPasswordRequest, { email: '' }, async (body) => {
    const out = await action.run(body);
    if (out.ok) setSentTo(body.email);
    else form.applyServerError(out.error);
  });
  return (
    <form className="auth-form" onSubmit={form.onSubmit} noValidate>
      <FormHead title="Reset your password">Enter your account’s email. We will mail you a code to choose a new password.</FormHead>
      {sentTo && (
        <Banner tone="success" title="Check your inbox" actions={<a href={href('reset-password')}>I have a code</a>}>
          If an account exists for {sentTo}, a reset code is on its way. It works once, for one hour.
        </Banner>
      )}
      {action.error && action.error.code !== 'validation_failed' && <ErrorBanner error={action.error} />}
      <TextField label="Email" type="email" autoComplete="email" autoFocus {...form.field('email')} />
      <Button type="submit" variant="primary" block busy={action.busy}>
        {sentTo ? 'Send again' : 'Send reset code'}
      </Button>
      <p className="auth-switch">
        <a href={href('sign-in')}>Back to sign in</a>
      </p>
    </form>
  );
}

function ResetPassword() {
  const call = useCall();
  const location = useLocation();
  const { auth } = useAppState();
  const [done, setDone] = useState(false);
  const action = useAction((body: { token: string; new_password: string }) => call('auth:reset-password', body));
  const form = useForm(ResetPasswordRequest, { token: location.params.get('token') ?? '', new_password: '' }, async (body) => {
    const out = await action.run(body);
    if (out.ok) setDone(true);
    else form.applyServerError(out.error);
  });
  if (done) {
    return (
      <div className="auth-form">
        <FormHead title="Password changed">Your new password is set. Other sessions were signed out.</FormHead>
        <Button variant="primary" block onClick={() => navigate(auth.signed_in ? 'home' : 'sign-in')}>
          {auth.signed_in ? 'Continue' : 'Sign in'}
        </Button>
      </div>
    );
  }
  return (
    <form className="auth-form" onSubmit={form.onSubmit} noValidate>
      <FormHead title="Choose a new password">Paste the code from the reset email, then choose your new password.</FormHead>
      {action.error && action.error.code !== 'validation_failed' && <ErrorBanner error={action.error} />}
      <TextField label="Reset code" autoComplete="one-time-code" spellCheck={false} className="input mono" autoFocus {...form.field('token')} />
      <PasswordField label="New password" autoComplete="new-password" hint={PASSWORD_HINT} {...form.field('new_password')} />
      <Button type="submit" variant="primary" block busy={action.busy}>
        Set new password
      </Button>
      <p className="auth-switch">
        <a href={href(auth.signed_in ? 'home' : 'sign-in')}>{auth.signed_in ? 'Back to the app' : 'Back to sign in'}</a>
      </p>
    </form>
  );
}

function VerifyEmail() {
  const call = useCall();
  const location = useLocation();
  const { auth, setAuth } = useAppState();
  const [verified, setVerified] = useState(false);
  const [resent, setResent] = useState(false);
  const action = useAction((body: { token: string }) => call('auth:verify-email', body));
  const resend = useAction(() => call('auth:resend-verification'));
  const form = useForm(VerifyEmailRequest, { token: location.params.get('token') ?? '' }, async (body) => {
    const out = await action.run(body);
    if (out.ok) {
      setAuth(out.value);
      setVerified(true);
    } else form.applyServerError(out.error);
  });

  if (verified || auth.user?.email_verified) {
    return (
      <div className="auth-form">
        <div className="empty-icon" style={{ background: 'var(--success-soft)', color: 'var(--success)' }}>
          <Icon name="checkCircle" size={22} />
        </div>
        <FormHead title="Email confirmed">Thanks{auth.user ? `, ${auth.user.first_name}` : ''}. Your account is ready.</FormHead>
        <Button variant="primary" block icon="arrowRight" onClick={() => navigate(auth.signed_in ? 'home' : 'sign-in')}>
          {auth.signed_in ? 'Go to the companion' : 'Sign in'}
        </Button>
      </div>
    );
  }

  return (
    <form className="auth-form" onSubmit={form.onSubmit} noValidate>
      <div className="empty-icon">
        <Icon name="mail" size={22} />
      </div>
      <FormHead title="Confirm your email">
        We sent a confirmation code to {auth.user ? <strong>{auth.user.email}</strong> : 'your email address'}. Open the link in the mail, or paste the
        code here.
      </FormHead>
      {action.error && action.error.code !== 'validation_failed' && <ErrorBanner error={action.error} />}
      {resend.error && <ErrorBanner error={resend.error} onDismiss={resend.clearError} />}
      {resent && !resend.error && <Banner tone="success">A new code is on its way.</Banner>}
      <TextField label="Confirmation code" autoComplete="one-time-code" spellCheck={false} autoFocus {...form.field('token')} />
      <Button type="submit" variant="primary" block busy={action.busy}>
        Confirm email
      </Button>
      <div className="row row-between">
        {auth.signed_in ? (
          <Button variant="ghost" size="sm" icon="refresh" busy={resend.busy} onClick={async () => setResent((await resend.run()).ok)}>
            Send a new code
          </Button>
        ) : (
          <span />
        )}
        <a href={href(auth.signed_in ? 'home' : 'sign-in')} style={{ fontSize: 'var(--text-sm)' }}>
          {auth.signed_in ? 'Do this later' : 'Back to sign in'}
        </a>
      </div>
    </form>
  );
}

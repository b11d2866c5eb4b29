/** Log in with username (or email) and password. */
import { useRef, useState, type FormEvent } from 'react';
import { afterLoginPath } from '../../../app/guards';
import { Link, navigate, useLocation } from '../../../app/router';
import { Button } from '../../../components/ui/Button';
import { InputField } from '../../../components/ui/Field';
import { ErrorBanner } from '../../../components/ui/Status';
import { useFocusFirstInvalid } from '../../../hooks/use-focus-first-invalid';
import { isApiError } from '../../../lib/api';
import { rememberAccount } from '../../../lib/onboarding';
import { useLogin } from '../api/auth';
import { AuthLayout } from './AuthLayout';

export function LoginPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const login = useLogin();
  const { state } = useLocation();
  const formRef = useRef<HTMLFormElement>(null);
  const fieldErrors = isApiError(login.error) && login.error.isValidation ? login.error.fieldErrors() : {};
  useFocusFirstInvalid(formRef, login.error, login.isPending);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate(
      { username: username.trim(), password },
      {
        onSuccess: () => {
          rememberAccount();
          navigate(afterLoginPath(state), { replace: true });
        },
      },
    );
  };

  return (
    <AuthLayout title="Welcome back, hero">
      <form ref={formRef} onSubmit={submit} noValidate className="stack">
        <InputField label="Username or email" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} error={fieldErrors.username} />
        <InputField label="Password" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} error={fieldErrors.password} />
        {login.error && Object.keys(fieldErrors).length === 0 ? <ErrorBanner error={login.error} /> : null}
        <Button type="submit" loading={login.isPending}>
          Log in
        </Button>
      </form>
      <p className="muted center">
        New here?{' '}
        <Link to="/register" state={state}>
          Start your training arc
        </Link>
      </p>
    </AuthLayout>
  );
}

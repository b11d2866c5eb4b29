/** Sign up: account details, timezone and the three goals that decide the class. */
import { useRef, useState, type FormEvent } from 'react';
import { Link, navigate, useLocation } from '../../../app/router';
import { Button } from '../../../components/ui/Button';
import { InputField } from '../../../components/ui/Field';
import { ErrorBanner } from '../../../components/ui/Status';
import { TimezoneField } from '../../../components/ui/TimezoneField';
import { useFocusFirstInvalid } from '../../../hooks/use-focus-first-invalid';
import { isApiError } from '../../../lib/api';
import { asTimezone, browserTimezone } from '../../../lib/format';
import { rememberAccount, rememberGoals } from '../../../lib/onboarding';
import type { Goals } from '../../../lib/types';
import { useRegister } from '../api/auth';
import { AuthLayout } from './AuthLayout';
import { GoalSliders } from './GoalSliders';

export function RegisterPage() {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [timezone, setTimezone] = useState(browserTimezone);
  const [goals, setGoals] = useState<Goals>({ strength: 5, agility: 5, intelligence: 5 });
  const reg = useRegister();
  // The page asked for before sign-up (a deep link): kept for the log-in form, and
  // offered after the class reveal.
  const { state } = useLocation();
  const fieldErrors = isApiError(reg.error) && reg.error.isValidation ? reg.error.fieldErrors() : {};
  const known = ['username', 'email', 'password', 'timezone', 'goals', 'goals.strength', 'goals.agility', 'goals.intelligence'];
  const unplaced = reg.error && !Object.keys(fieldErrors).some((k) => known.includes(k));
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, reg.error, reg.isPending);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    reg.mutate(
      { username: username.trim(), email: email.trim(), password, timezone: timezone.trim() ? asTimezone(timezone) : undefined, goals },
      {
        onSuccess: (res) => {
          rememberAccount();
          rememberGoals(res.player.username, goals);
          navigate('/welcome', { replace: true, state });
        },
      },
    );
  };

  return (
    <AuthLayout title="Begin your training arc">
      <form ref={formRef} onSubmit={submit} noValidate className="stack">
        <InputField label="Username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} error={fieldErrors.username} />
        <InputField label="Email" name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={fieldErrors.email} />
        <InputField label="Password" name="password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} error={fieldErrors.password} />
        <TimezoneField value={timezone} onChange={setTimezone} error={fieldErrors.timezone} />
        <GoalSliders goals={goals} onChange={setGoals} errors={fieldErrors} />
        {unplaced ? <ErrorBanner error={reg.error} /> : null}
        <Button type="submit" loading={reg.isPending}>
          Create my hero
        </Button>
      </form>
      <p className="muted center">
        Already have a hero?{' '}
        <Link to="/login" state={state}>
          Log in
        </Link>
      </p>
    </AuthLayout>
  );
}

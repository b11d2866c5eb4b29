/** A labelled form control with its validation error right beneath it (on its own line). */
import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';

interface FieldShellProps {
  label: ReactNode;
  error?: string;
  hint?: ReactNode;
  children: (ids: { id: string; describedBy?: string }) => ReactNode;
  className?: string;
}

export function FieldShell({ label, error, hint, children, className }: FieldShellProps) {
  const id = useId();
  const errId = `${id}-err`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errId : '', hint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={['field', error ? 'field-invalid' : '', className ?? ''].filter(Boolean).join(' ')}>
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy })}
      {hint && !error ? (
        <small id={hintId} className="field-hint">
          {hint}
        </small>
      ) : null}
      {/* Not an alert: a failed submit moves focus to the first invalid field, which
          reads its error (aria-describedby); the form's banner is the one alert. */}
      {error ? (
        <small id={errId} className="field-error">
          {error}
        </small>
      ) : null}
    </div>
  );
}

type InputFieldProps = InputHTMLAttributes<HTMLInputElement> & { label: ReactNode; error?: string; hint?: ReactNode };

export function InputField({ label, error, hint, className, ...rest }: InputFieldProps) {
  return (
    <FieldShell label={label} error={error} hint={hint} className={className}>
      {({ id, describedBy }) => <input id={id} aria-invalid={!!error || undefined} aria-describedby={describedBy} {...rest} />}
    </FieldShell>
  );
}

type SelectFieldProps = SelectHTMLAttributes<HTMLSelectElement> & { label: ReactNode; error?: string };

export function SelectField({ label, error, className, children, ...rest }: SelectFieldProps) {
  return (
    <FieldShell label={label} error={error} className={className}>
      {({ id, describedBy }) => (
        <select id={id} aria-invalid={!!error || undefined} aria-describedby={describedBy} {...rest}>
          {children}
        </select>
      )}
    </FieldShell>
  );
}

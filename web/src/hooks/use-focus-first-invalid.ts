/**
 * After a submit fails, focus goes to the first field marked invalid, so the player
 * (and a screen reader, which reads the field with its error) lands on what to fix.
 * With no field to blame (the error is in a banner) focus returns to the submit
 * button if it was lost while the button was disabled.
 */
import { useEffect, useRef, type RefObject } from 'react';

export function focusFirstInvalid(form: HTMLElement): void {
  const field = form.querySelector<HTMLElement>('[aria-invalid="true"]');
  if (field) {
    field.focus();
    return;
  }
  const active = document.activeElement;
  if (!active || active === document.body) form.querySelector<HTMLElement>('[type="submit"]')?.focus();
}

/**
 * Runs `focusFirstInvalid` once for each new `error`, when the form is no longer
 * `pending` (a disabled button cannot take focus).
 */
export function useFocusFirstInvalid(form: RefObject<HTMLElement | null>, error: unknown, pending = false): void {
  const handled = useRef<unknown>(null);
  useEffect(() => {
    if (!error || pending || handled.current === error || !form.current) return;
    handled.current = error;
    focusFirstInvalid(form.current);
  }, [error, pending, form]);
}

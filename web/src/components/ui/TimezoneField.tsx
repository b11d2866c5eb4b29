/** An IANA timezone input with the browser's list of zones as suggestions. */
import { useMemo } from 'react';
import { timezoneOptions } from '../../lib/format';
import { InputField } from './Field';

export function TimezoneField({ value, onChange, error }: { value: string; onChange: (v: string) => void; error?: string }) {
  const zones = useMemo(() => timezoneOptions(), []);
  return (
    <>
      <InputField
        label="Timezone"
        name="timezone"
        list="tz-options"
        autoComplete="off"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        error={error}
        hint="Your days, streaks and bosses run on this clock."
      />
      <datalist id="tz-options">
        {zones.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
    </>
  );
}

/** Three 0–10 sliders for how much each goal matters, with the class they lead to. */
import type { Goals } from '../../../lib/types';
import { CLASS_INFO } from '../../../lib/format';
import { classForGoals } from '../class-preview';

const GOALS: { key: keyof Goals; label: string; icon: string }[] = [
  { key: 'strength', label: 'Strength', icon: '💪' },
  { key: 'agility', label: 'Agility', icon: '🏃' },
  { key: 'intelligence', label: 'Intelligence', icon: '📚' },
];

export function GoalSliders({ goals, onChange, errors = {} }: { goals: Goals; onChange: (g: Goals) => void; errors?: Record<string, string> }) {
  return (
    <fieldset className="goal-sliders">
      <legend>How much does each goal matter to you?</legend>
      {GOALS.map(({ key, label, icon }) => {
        const err = errors[`goals.${key}`];
        return (
          <div key={key} className={['slider-row', err ? 'field-invalid' : ''].join(' ')}>
            <label htmlFor={`goal-${key}`}>
              <span aria-hidden>{icon}</span> {label}
            </label>
            <input
              id={`goal-${key}`}
              name={`goals.${key}`}
              type="range"
              min={0}
              max={10}
              step={1}
              value={goals[key]}
              aria-invalid={!!err || undefined}
              aria-describedby={err ? `goal-${key}-err` : undefined}
              onChange={(e) => onChange({ ...goals, [key]: Number(e.target.value) })}
            />
            <output htmlFor={`goal-${key}`} className="slider-value">
              {goals[key]}
            </output>
            {err ? (
              <small id={`goal-${key}-err`} className="field-error">
                {err}
              </small>
            ) : null}
          </div>
        );
      })}
      {errors.goals ? (
        <small className="field-error" role="alert">
          {errors.goals}
        </small>
      ) : null}
      <ClassPreview goals={goals} />
    </fieldset>
  );
}

export function ClassPreview({ goals }: { goals: Goals }) {
  const cls = classForGoals(goals);
  const info = CLASS_INFO[cls];
  return (
    <div className={`class-preview class-${cls}`} data-testid="class-preview" aria-live="polite">
      <span className="class-icon" aria-hidden>
        {info.icon}
      </span>
      <div>
        <div className="class-preview-kicker">Your class</div>
        <div className="class-preview-name">{info.label}</div>
        <div className="muted">
          {info.blurb} {info.focus}.
        </div>
      </div>
    </div>
  );
}

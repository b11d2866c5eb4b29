/**
 * The sets of a strength session, one small card per set (fits a 390 px screen):
 * exercise (with suggestions from history and "last time: 100 kg × 5"), weight,
 * reps; errors shown on the exact input they are about.
 */
import { useId } from 'react';
import { Button } from '../../../components/ui/Button';
import { exerciseKey, formatSet, type LastSet } from '../../../lib/strength-history';
import { emptySet, type SetRow } from '../activity-form';

interface Props {
  rows: SetRow[];
  onChange: (rows: SetRow[]) => void;
  errors: Record<string, string>;
  /** The last logged sets per exercise (keyed by `exerciseKey`). */
  history?: Map<string, LastSet>;
}

export function SetsEditor({ rows, onChange, errors, history }: Props) {
  const listId = useId();
  const update = (i: number, patch: Partial<SetRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  // A new row copies the previous one: lifters usually repeat the same set.
  const add = () => onChange([...rows, rows.length ? { ...rows[rows.length - 1] } : emptySet()]);
  const remove = (i: number) => onChange(rows.length > 1 ? rows.filter((_, j) => j !== i) : [emptySet()]);
  const volume = rows.reduce((s, r) => s + (Number(r.weight_kg) || 0) * (Number(r.reps) || 0), 0);
  const names = history ? [...history.values()].map((h) => h.exercise) : [];

  return (
    <fieldset className="sets-editor">
      <legend>Sets</legend>
      {names.length ? (
        <datalist id={listId}>
          {names.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
      ) : null}
      <ol className="set-list">
        {rows.map((r, i) => {
          const err = (f: string) => errors[`sets.${i}.${f}`];
          const rowErr = errors[`sets.${i}`];
          const last = history?.get(exerciseKey(r.exercise));
          const ids = { ex: `${listId}-ex-${i}`, w: `${listId}-w-${i}`, r: `${listId}-r-${i}` };
          return (
            <li key={i} className="set-card" aria-label={`Set ${i + 1}`}>
              <div className="set-card-head">
                <span className="set-n">Set {i + 1}</span>
                <button type="button" className="icon-btn" aria-label={`Remove set ${i + 1}`} onClick={() => remove(i)}>
                  ✕
                </button>
              </div>
              <div className="set-field set-exercise">
                <label htmlFor={ids.ex}>Exercise</label>
                <input
                  id={ids.ex}
                  name={`sets.${i}.exercise`}
                  aria-label={`Set ${i + 1} exercise`}
                  placeholder="Back squat"
                  list={names.length ? listId : undefined}
                  autoComplete="off"
                  value={r.exercise}
                  aria-invalid={!!err('exercise') || undefined}
                  aria-describedby={err('exercise') ? `${ids.ex}-err` : last ? `${ids.ex}-last` : undefined}
                  onChange={(e) => update(i, { exercise: e.target.value })}
                />
                {last ? (
                  <small id={`${ids.ex}-last`} className="field-hint last-time">
                    Last time: {formatSet(last)}
                  </small>
                ) : null}
                {err('exercise') ? (
                  <small id={`${ids.ex}-err`} className="field-error">
                    {err('exercise')}
                  </small>
                ) : null}
              </div>
              <div className="set-field">
                <label htmlFor={ids.w}>Weight (kg)</label>
                <input
                  id={ids.w}
                  name={`sets.${i}.weight_kg`}
                  aria-label={`Set ${i + 1} weight (kg)`}
                  inputMode="decimal"
                  type="number"
                  min={0}
                  max={500}
                  step="any"
                  placeholder="0 = body"
                  value={r.weight_kg}
                  aria-invalid={!!err('weight_kg') || undefined}
                  aria-describedby={err('weight_kg') ? `${ids.w}-err` : undefined}
                  onChange={(e) => update(i, { weight_kg: e.target.value })}
                />
                {err('weight_kg') ? (
                  <small id={`${ids.w}-err`} className="field-error">
                    {err('weight_kg')}
                  </small>
                ) : null}
              </div>
              <div className="set-field">
                <label htmlFor={ids.r}>Reps</label>
                <input
                  id={ids.r}
                  name={`sets.${i}.reps`}
                  aria-label={`Set ${i + 1} reps`}
                  inputMode="numeric"
                  type="number"
                  min={1}
                  max={100}
                  value={r.reps}
                  aria-invalid={!!err('reps') || undefined}
                  aria-describedby={err('reps') ? `${ids.r}-err` : undefined}
                  onChange={(e) => update(i, { reps: e.target.value })}
                />
                {err('reps') ? (
                  <small id={`${ids.r}-err`} className="field-error">
                    {err('reps')}
                  </small>
                ) : null}
              </div>
              {rowErr ? (
                <small className="field-error set-row-error" role="alert">
                  {rowErr}
                </small>
              ) : null}
            </li>
          );
        })}
      </ol>
      {errors.sets ? (
        <small className="field-error" role="alert">
          {errors.sets}
        </small>
      ) : null}
      <div className="sets-footer">
        <Button variant="ghost" size="sm" onClick={add}>
          + Add set
        </Button>
        <span className="muted">Volume: {volume.toLocaleString('en-US')} kg</span>
      </div>
    </fieldset>
  );
}

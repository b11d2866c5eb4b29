/** Rows of exercise / weight / reps for a strength session; errors shown per cell. */
import { Button } from '../../../components/ui/Button';
import { emptySet, type SetRow } from '../activity-form';

interface Props {
  rows: SetRow[];
  onChange: (rows: SetRow[]) => void;
  errors: Record<string, string>;
}

export function SetsEditor({ rows, onChange, errors }: Props) {
  const update = (i: number, patch: Partial<SetRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  // A new row copies the previous one: lifters usually repeat the same set.
  const add = () => onChange([...rows, rows.length ? { ...rows[rows.length - 1] } : emptySet()]);
  const remove = (i: number) => onChange(rows.length > 1 ? rows.filter((_, j) => j !== i) : [emptySet()]);
  const volume = rows.reduce((s, r) => s + (Number(r.weight_kg) || 0) * (Number(r.reps) || 0), 0);

  return (
    <fieldset className="sets-editor">
      <legend>Sets</legend>
      <div className="sets-grid" role="table" aria-label="Sets">
        <div className="sets-row sets-header" role="row">
          <span role="columnheader">#</span>
          <span role="columnheader">Exercise</span>
          <span role="columnheader">Weight (kg)</span>
          <span role="columnheader">Reps</span>
          <span role="columnheader" className="sr-only">
            Remove
          </span>
        </div>
        {rows.map((r, i) => {
          const err = (f: string) => errors[`sets.${i}.${f}`];
          const rowErr = errors[`sets.${i}`];
          return (
            <div key={i} className="sets-row" role="row">
              <span className="set-n">{i + 1}</span>
              <input
                name={`sets.${i}.exercise`}
                aria-label={`Set ${i + 1} exercise`}
                placeholder="Squat"
                value={r.exercise}
                aria-invalid={!!err('exercise') || undefined}
                onChange={(e) => update(i, { exercise: e.target.value })}
              />
              <input
                name={`sets.${i}.weight_kg`}
                aria-label={`Set ${i + 1} weight (kg)`}
                inputMode="decimal"
                type="number"
                min={0}
                max={500}
                step="any"
                placeholder="0 = bodyweight"
                value={r.weight_kg}
                aria-invalid={!!err('weight_kg') || undefined}
                onChange={(e) => update(i, { weight_kg: e.target.value })}
              />
              <input
                name={`sets.${i}.reps`}
                aria-label={`Set ${i + 1} reps`}
                inputMode="numeric"
                type="number"
                min={1}
                max={100}
                value={r.reps}
                aria-invalid={!!err('reps') || undefined}
                onChange={(e) => update(i, { reps: e.target.value })}
              />
              <button type="button" className="icon-btn" aria-label={`Remove set ${i + 1}`} onClick={() => remove(i)}>
                ✕
              </button>
              {err('exercise') || err('weight_kg') || err('reps') || rowErr ? (
                <small className="field-error sets-row-error" role="alert">
                  {[rowErr, err('exercise'), err('weight_kg'), err('reps')].filter(Boolean).join(' · ')}
                </small>
              ) : null}
            </div>
          );
        })}
      </div>
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

/** Stepping through a duel replay: step 0 is the face-off, step n shows round n. */
import type { Duel, DuelRound } from '../../lib/types';

export interface ReplayFrame {
  step: number;
  round: DuelRound | null;
  challengerHp: number;
  opponentHp: number;
  hpMax: number;
}

/** What a replay is drawn from: a duel's rounds, and its starting HP when a replay file gives it. */
export type ReplaySource = Pick<Duel, 'rounds'> & { hp_max?: number | null };

/** The starting HP is not in the contract: use `hp_max` when sent, else the highest HP seen (≥ 100). */
export function replayHpMax(duel: ReplaySource): number {
  if (typeof duel.hp_max === 'number' && duel.hp_max > 0) return duel.hp_max;
  const rounds = duel.rounds ?? [];
  return Math.max(100, ...rounds.flatMap((r) => [r.challenger_hp, r.opponent_hp]));
}

export function replayFrame(duel: ReplaySource, step: number): ReplayFrame {
  const rounds = duel.rounds ?? [];
  const hpMax = replayHpMax(duel);
  const s = Math.max(0, Math.min(step, rounds.length));
  const round = s === 0 ? null : rounds[s - 1];
  return {
    step: s,
    round,
    challengerHp: round ? Math.max(0, round.challenger_hp) : hpMax,
    opponentHp: round ? Math.max(0, round.opponent_hp) : hpMax,
    hpMax,
  };
}

import { describe, expect, it } from 'vitest';
import { replayFrame, replayHpMax } from './replay';

const rounds = [
  { n: 1, lines: ['a'], challenger_hp: 80, opponent_hp: 90 },
  { n: 2, lines: ['b'], challenger_hp: 40, opponent_hp: -5 },
];

describe('replay', () => {
  it('starts at full HP and steps through rounds', () => {
    expect(replayFrame({ rounds }, 0)).toMatchObject({ step: 0, round: null, challengerHp: 100, opponentHp: 100, hpMax: 100 });
    expect(replayFrame({ rounds }, 1)).toMatchObject({ challengerHp: 80, opponentHp: 90 });
    expect(replayFrame({ rounds }, 9)).toMatchObject({ step: 2, challengerHp: 40, opponentHp: 0 });
  });

  it('uses hp_max when the server sends it', () => {
    expect(replayHpMax({ rounds, hp_max: 500 })).toBe(500);
    expect(replayHpMax({ rounds: [{ n: 1, lines: [], challenger_hp: 900, opponent_hp: 950 }] })).toBe(950);
  });
});

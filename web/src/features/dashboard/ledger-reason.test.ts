import { describe, expect, it } from 'vitest';
import { ledgerReason } from './ledger-reason';

describe('ledgerReason', () => {
  it('names activity kinds in the app’s words', () => {
    expect(ledgerReason('wake_up logged')).toBe('Wake-up logged');
    expect(ledgerReason('martial_arts logged')).toBe('Martial arts logged');
    expect(ledgerReason('run logged')).toBe('Run logged');
    expect(ledgerReason('strength session edited')).toBe('Strength session edited');
  });

  it('changes nothing else in the reason', () => {
    expect(ledgerReason('duel won against bravo_v14ic on 2026-11-21')).toBe('Duel won against bravo_v14ic on 2026-11-21');
    expect(ledgerReason('reward from my_wake_up_club')).toBe('Reward from my_wake_up_club');
    expect(ledgerReason('penalty: missed wake_up, then martial_arts logged')).toBe('Penalty: missed wake-up, then martial arts logged');
  });
});

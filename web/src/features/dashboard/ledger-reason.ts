/**
 * A ledger reason as the server wrote it (it may name a player or a date), with the
 * activity kinds it names in the app's words ("wake_up logged" → "Wake-up logged")
 * and a capital first letter; nothing else changed.
 */
import { sentence } from '../../lib/format';
import { KIND_INFO, KINDS } from '../activities/activity-form';

// Only the kinds whose API name is not already a word: "run logged" stays as it is.
const KIND_NAME = new RegExp(`\\b(${KINDS.filter((k) => k.includes('_')).join('|')})\\b`, 'g');

export function ledgerReason(reason: string): string {
  return sentence(reason.replace(KIND_NAME, (k) => KIND_INFO[k as keyof typeof KIND_INFO].label.toLowerCase()));
}

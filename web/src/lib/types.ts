/**
 * Shapes of the REST contract (spec/api.md). Request bodies come from the types
 * generated from the server's OpenAPI document (`api-types.ts`, made by
 * scripts/gen-web-types); response shapes are written here until the document
 * describes them, and should then be replaced by `Schemas[...]` the same way.
 */
import type { components } from './api-types';

/** The generated schemas of the server's OpenAPI document. */
export type Schemas = components['schemas'];
export type RegisterInput = Schemas['RegisterInput'];
export type LoginInput = Schemas['LoginInput'];
export type SettingsInput = Schemas['SettingsInput'];
export type ChallengeInput = Schemas['ChallengeInput'];

export type Id = string | number;

export type PlayerClass = 'brawler' | 'speedster' | 'strategist' | 'balanced';
export type StatName = 'strength' | 'agility' | 'intelligence' | 'fighting' | 'discipline';
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export const STAT_NAMES: StatName[] = ['strength', 'agility', 'intelligence', 'fighting', 'discipline'];
export const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export type Goals = Schemas['GoalsInput'];

export interface Buff {
  name: string;
  multiplier: number;
  expires_at: string;
}

export interface Skill {
  name: string;
  level: number;
  active: boolean;
}

export interface Player {
  id: Id;
  username: string;
  class: PlayerClass;
  level: number;
  title: string;
  total_xp: number;
  xp_into_level: number;
  xp_for_next_level: number;
  stats: Record<StatName, number>;
  fatigue: number;
  streak: number;
  buffs: Buff[];
  skills: Skill[];
  plot_armor_charges: number;
  timezone: string;
  training_days: Weekday[];
  weekly_goal: number;
  wake_target: string;
  avatar_url?: string | null;
}

export interface AuthResponse {
  token: string;
  player: Player;
}

export type ActivityKind = 'run' | 'strength' | 'study' | 'martial_arts' | 'wake_up';

export interface StrengthSet {
  exercise: string;
  weight_kg: number;
  reps: number;
}

export interface ActivityInput {
  kind: ActivityKind;
  occurred_at?: string;
  duration_min?: number;
  distance_km?: number;
  sets?: StrengthSet[];
  style?: string;
  woke_at?: string;
  note?: string;
}

export interface Activity extends ActivityInput {
  id: Id;
  occurred_at: string;
  completed_at?: string;
  created_at?: string;
  photo_url?: string | null;
  photos?: string[];
}

export interface AwardFactor {
  name: string;
  value: number;
}

export interface Award {
  stat: StatName;
  base: number;
  final: number;
  factors: AwardFactor[];
  capped: boolean;
  message: string;
  level_up?: { from: number; to: number; title: string } | null;
  skills_unlocked: string[];
  moves_unlocked: string[];
}

export interface ActivityWithAward {
  activity: Activity;
  award: Award;
}

export interface ActivityPage {
  items: Activity[];
  next_before?: string | null;
}

export interface LedgerEntry {
  id: Id;
  at: string;
  stat?: StatName | null;
  amount: number;
  reason: string;
  activity_id?: Id | null;
}

export interface LedgerPage {
  items: LedgerEntry[];
  next_before?: string | null;
}

export interface WeeklyXp {
  week_start: string;
  xp: number;
  by_stat: Partial<Record<StatName, number>>;
}

export interface BossObjective {
  text: string;
  target: number;
  progress: number;
  done: boolean;
}

export type BossStatus = 'active' | 'defeated' | 'escaped';

export interface Boss {
  week: string;
  name: string;
  epithet: string;
  taunt: string;
  weakness: StatName;
  hp: number;
  hp_max: number;
  objectives: BossObjective[];
  status: BossStatus;
  reward?: unknown;
  cutscene?: string | null;
  badge?: unknown;
  /** When this week ends for the player (their local Monday midnight). */
  ends_at?: string;
  /** XP taken when it escaped. */
  penalty?: number;
  /** An escape cutscene not shown yet: sent once, with the first read after it. */
  pending_cutscene?: PendingCutscene;
}

export interface PendingCutscene {
  week: string;
  name: string;
  cutscene: string | null;
  also_unseen: string[];
}

export interface Dashboard {
  player: Player;
  weekly: WeeklyXp[];
  streak: unknown;
  buffs: Buff[];
  boss: Boss | null;
  recent: Activity[];
}

export type LeaderboardScope = 'global' | 'weekly' | 'class';

export interface LeaderboardEntry {
  rank: number;
  username: string;
  class: PlayerClass;
  level: number;
  xp: number;
}

export interface Leaderboard {
  entries: LeaderboardEntry[];
  me: { rank: number | null; xp: number } | null;
}

export interface PublicProfile {
  username: string;
  class: PlayerClass;
  level: number;
  title: string;
  stats: Record<StatName, number>;
  streak: number;
  badges: unknown[];
  avatar_url?: string | null;
}

export type DuelStatus = 'pending' | 'declined' | 'expired' | 'queued' | 'resolved';

export interface DuelRound {
  n: number;
  lines: string[];
  challenger_hp: number;
  opponent_hp: number;
}

export interface Duel {
  id: Id;
  challenger: string;
  opponent: string;
  status: DuelStatus;
  created_at: string;
  resolved_at?: string | null;
  winner?: string | null;
  rounds?: DuelRound[] | null;
  replay_url?: string | null;
  rewards?: unknown;
  hp_max?: number;
}

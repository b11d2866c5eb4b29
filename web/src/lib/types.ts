/**
 * Names the app uses for the shapes of the REST contract. Every one of them is the
 * type generated from the server's OpenAPI document (`api-types.ts`, made by
 * scripts/gen-web-types, checked for staleness by scripts/test): nothing here is
 * written by hand.
 */
import type { components } from './api-types';

/** The generated schemas of the server's OpenAPI document. */
export type Schemas = components['schemas'];
export type RegisterInput = Schemas['RegisterInput'];
export type LoginInput = Schemas['LoginInput'];
export type SettingsInput = Schemas['SettingsInput'];
export type ChallengeInput = Schemas['ChallengeInput'];

export type Id = string | number;

export type PlayerClass = Schemas['Class'];
export type StatName = Schemas['Stat'];
export type Weekday = Schemas['Weekday'];
/** A tz database zone name (the document lists every one the server accepts). */
export type Timezone = Schemas['Timezone'];

export const STAT_NAMES: StatName[] = ['strength', 'agility', 'intelligence', 'fighting', 'discipline'];
export const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export type Goals = Schemas['GoalsInput'];
export type Buff = Schemas['Buff'];
export type Skill = Schemas['SkillState'];
export type Player = Schemas['Player'];
export type AuthResponse = Schemas['TokenResponse'];
export type ActivityKind = Schemas['ActivityKind'];
export type StrengthSet = Schemas['SetView'];
export type ActivityInput = Schemas['ActivityBody'];
export type Activity = Schemas['Activity'];
export type AwardFactor = Schemas['Factor'];
export type Award = Schemas['Award'];
export type ActivityWithAward = Schemas['ActivityAward'];
export type ActivityPage = Schemas['ActivityPage'];
export type LedgerEntry = Schemas['LedgerEntry'];
export type LedgerPage = Schemas['LedgerPage'];
export type WeeklyXp = Schemas['WeekPoint'];
export type BossObjective = Schemas['Objective'];
export type BossStatus = Schemas['BossStatus'];
export type Boss = Schemas['Boss'];
export type PendingCutscene = Schemas['PendingCutscene'];
export type Dashboard = Schemas['Dashboard'];
export type LeaderboardScope = Schemas['BoardScope'];
export type LeaderboardEntry = Schemas['LeaderboardEntry'];
export type Leaderboard = Schemas['LeaderboardPage'];
export type PublicProfile = Schemas['Profile'];
export type DuelStatus = Schemas['DuelStatus'];
export type DuelRound = Schemas['Round'];
export type Duel = Schemas['Duel'];

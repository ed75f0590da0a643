import { Faker, base, de, en, es, fr, ja } from '@faker-js/faker';
import { activityTypes, genders, relationshipStatuses, type UserEvent } from '../events/eventSchema.ts';
import { Prng } from '../util/prng.ts';

export interface GeneratorOptions {
  seed: number;
  /** Size of the user pool the events are drawn from. */
  users: number;
  /** Fraction of rows that re-emit an earlier event verbatim (same eventId). */
  duplicates: number;
  /** Timestamp of the first event (ms since epoch). */
  startMs: number;
}

interface PoolUser {
  userid: string;
  fullName: string;
  gender: UserEvent['gender'];
  relationshipStatus: UserEvent['relationshipStatus'];
  seq: number;
}

const PATH_WORDS = ['homepage', 'blog', 'wp-content', 'app', 'privacy', 'home', 'categories', 'post', 'author', 'category', 'list', 'search', 'faq', 'tag', 'about', 'explore', 'posts', 'main', 'index', 'profile', 'tags', 'terms', 'login', 'register'];
const HISTORY = 10_000;

/**
 * Produces user-activity events: users from a fixed pool so each user has a history,
 * `userSeq` numbering each user's events, and an optional share of verbatim duplicates.
 * Everything derives from the seed, so the same options give the same events.
 */
export class EventGenerator {
  private readonly prng: Prng;
  private readonly pool: PoolUser[];
  private readonly history: UserEvent[] = [];
  private historyNext = 0;
  private nowMs: number;

  constructor(private readonly options: GeneratorOptions) {
    this.prng = new Prng(options.seed);
    this.nowMs = options.startMs;
    this.pool = buildPool(options.users, options.seed, this.prng);
  }

  next(): UserEvent {
    const p = this.prng;
    if (this.options.duplicates > 0 && this.history.length > 0 && p.next() < this.options.duplicates) {
      return this.history[p.int(this.history.length)]!;
    }
    const user = p.pick(this.pool);
    if (p.next() < 0.03) user.relationshipStatus = p.pick(relationshipStatuses);
    this.nowMs += p.int(25);
    let metadata = 'http://macebook.com';
    const depth = 1 + p.int(4);
    for (let i = 0; i < depth; i++) metadata += '/' + p.pick(PATH_WORDS);
    const event: UserEvent = {
      eventId: p.uuid(),
      userid: user.userid,
      fullName: user.fullName,
      gender: user.gender,
      relationshipStatus: user.relationshipStatus,
      activityType: p.pick(activityTypes),
      activityMetadata: metadata,
      activityTimestamp: new Date(this.nowMs).toISOString(),
      userSeq: user.seq++,
    };
    if (this.history.length < HISTORY) this.history.push(event);
    else this.history[this.historyNext++ % HISTORY] = event;
    return event;
  }

  /** A v4-layout id from the same seeded stream (used for run ids). */
  uuid(): string {
    return this.prng.uuid();
  }
}

function buildPool(size: number, seed: number, prng: Prng): PoolUser[] {
  // Mostly English names, some from other locales so names carry accents, kana and apostrophes.
  const fakers = [en, en, en, en, de, fr, es, ja].map((locale) => new Faker({ locale: [locale, en, base] }));
  fakers.forEach((f, i) => f.seed(seed + i));
  const seen = new Set<string>();
  const pool: PoolUser[] = [];
  for (let i = 0; i < size; i++) {
    const f = prng.pick(fakers);
    const fullName = f.person.fullName();
    let userid = fakers[0]!.internet.email().toLowerCase();
    if (seen.has(userid)) userid = userid.replace('@', `+${i}@`);
    seen.add(userid);
    pool.push({ userid, fullName, gender: prng.pick(genders), relationshipStatus: prng.pick(relationshipStatuses), seq: 0 });
  }
  return pool;
}

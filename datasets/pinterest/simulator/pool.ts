import type { Rng } from '../../../simulator/random';

/**
 * A pool of emulator posts in the shape the Pinterest emulator sends them (docs/spec/pinterest-posts.md):
 * a pin, a geo and a user record sharing one number, with the seed's sentinels at realistic rates.
 * Values are plain JSON, so an identical draw serialises to identical bytes.
 */
export interface PoolPost {
  readonly ind: number;
  readonly pin: Record<string, unknown>;
  readonly geo: Record<string, unknown>;
  readonly user: Record<string, unknown>;
}

const CATEGORIES = [
  'art',
  'beauty',
  'christmas',
  'diy-and-crafts',
  'education',
  'event-planning',
  'finance',
  'home-decor',
  'mens-fashion',
  'quotes',
  'tattoos',
  'travel',
  'vehicles',
];
const COUNTRIES = [
  'Albania',
  'Aruba',
  'Bangladesh',
  'Cocos (Keeling) Islands',
  "Côte d'Ivoire",
  'Maldives',
  'Saint Barthelemy',
  'Timor-Leste',
  'United Kingdom',
  'Wallis and Futuna',
];
const FIRST = ['Thomas', 'Alexandra', 'Christopher', 'Andrea', 'Jose', 'María', 'Zoë', 'Dylan', 'Brittany'];
const LAST = ['Turner', 'Cooper', 'Williams', 'Ho', 'Castro', "O'Neil", 'Müller', 'Chang'];
const WORDS = ['Nissan', 'vintage', 'budget', 'ideas', 'DIY', 'quote', 'tattoo', 'holiday', 'décor', 'Sick.'];
const MEDIA = ['image', 'video', 'multi-video(story page format)'];

/** Shares of the seed data's sentinels (roughly what the emulator's database holds). */
export const SENTINEL_RATES = {
  title: 0.03,
  description: 0.04,
  posterName: 0.02,
  followerCount: 0.02,
  tagList: 0.03,
  imageSrc: 0.02,
} as const;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function timestamp(rng: Rng, fromYear: number, toYear: number): string {
  const year = rng.int(fromYear, toYear);
  const month = rng.int(1, 12);
  const day = rng.int(1, 28);
  return `${year}-${pad(month)}-${pad(day)} ${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))}`;
}

/** Follower counts as the site prints them: `437`, `26k`, `1.2k`, `12.5M`. */
function followerCount(rng: Rng): string {
  const scale = rng.weighted(['units', 'k', 'M'], [0.45, 0.5, 0.05]);
  if (scale === 'units') return String(rng.int(0, 999));
  const whole = rng.int(1, 999);
  return rng.chance(0.3) ? `${whole}.${rng.int(1, 9)}${scale}` : `${whole}${scale}`;
}

function words(rng: Rng, n: number): string {
  return Array.from({ length: n }, () => rng.pick(WORDS)).join(' ');
}

function uuid(rng: Rng): string {
  const hex = (n: number) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join('');
  const id = `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  // The emulator's database holds some ids in upper case; they are stored lower-case.
  return rng.chance(0.05) ? id.toUpperCase() : id;
}

function pin(rng: Rng, ind: number): Record<string, unknown> {
  const category = rng.pick(CATEGORIES);
  const sentinel = (rate: number, value: unknown, text: string) => (rng.chance(rate) ? text : value);
  return {
    index: ind,
    unique_id: uuid(rng),
    title: sentinel(SENTINEL_RATES.title, words(rng, 3), 'No Title Data Available'),
    description: sentinel(SENTINEL_RATES.description, words(rng, 8), 'No description available Story format'),
    poster_name: sentinel(
      SENTINEL_RATES.posterName,
      `${rng.pick(FIRST)} ${rng.pick(LAST)}`,
      'User Info Error',
    ),
    follower_count: sentinel(SENTINEL_RATES.followerCount, followerCount(rng), 'User Info Error'),
    tag_list: sentinel(
      SENTINEL_RATES.tagList,
      `${words(rng, 2)},${words(rng, 2)}`,
      'N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e',
    ),
    is_image_or_video: rng.weighted(MEDIA, [0.8, 0.15, 0.05]),
    image_src: sentinel(
      SENTINEL_RATES.imageSrc,
      `https://i.pinimg.com/originals/${ind}.jpg`,
      'Image src error.',
    ),
    downloaded: rng.chance(0.9) ? 1 : 0,
    save_location: `Local save in /data/${category}`,
    category,
  };
}

function geo(rng: Rng, ind: number): Record<string, unknown> {
  return {
    ind,
    timestamp: timestamp(rng, 2018, 2022),
    latitude: Math.round((rng.next() * 180 - 90) * 10_000) / 10_000,
    longitude: Math.round((rng.next() * 360 - 180) * 1000) / 1000,
    country: rng.pick(COUNTRIES),
  };
}

function user(rng: Rng, ind: number): Record<string, unknown> {
  return {
    ind,
    first_name: rng.pick(FIRST),
    last_name: rng.pick(LAST),
    age: rng.int(16, 70),
    date_joined: timestamp(rng, 2015, 2020),
  };
}

/** `size` posts with distinct inds, drawn from the emulator's range (0..11,000 in the seed). */
export function createPostPool(rng: Rng, size: number): PoolPost[] {
  const span = Math.max(11_000, size * 2);
  const inds = new Set<number>();
  while (inds.size < size) inds.add(rng.int(0, span));
  return [...inds].map((ind) => ({ ind, pin: pin(rng, ind), geo: geo(rng, ind), user: user(rng, ind) }));
}

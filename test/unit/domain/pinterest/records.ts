/** Valid records of each type and builders that change some of their values. */
import { type PinterestType } from '../../../../datasets/pinterest/rules';

export const NOW = Date.UTC(2026, 0, 1);

export const BASE: Record<PinterestType, Readonly<Record<string, unknown>>> = {
  pin: {
    index: 10794,
    unique_id: 'c4bd2577-a7bb-4409-bb7a-17d5ed7e1cf1',
    title: 'TireBuyer',
    description: 'Nissan GT-R. Sick.',
    poster_name: 'Ray Uyemura',
    follower_count: '26k',
    tag_list: 'Lowrider,Antique Cars',
    is_image_or_video: 'image',
    image_src: 'https://i.pinimg.com/originals/0d/29/9f/0d299f3df020395aa7ce8387f40fbeed.jpg',
    downloaded: 1,
    save_location: 'Local save in /data/vehicles',
    category: 'vehicles',
  },
  geo: {
    ind: 10794,
    timestamp: '2022-01-01 02:26:50',
    latitude: -89.5236,
    longitude: -154.567,
    country: 'Cocos (Keeling) Islands',
  },
  user: {
    ind: 10794,
    first_name: 'Thomas',
    last_name: 'Turner',
    age: 34,
    date_joined: '2016-12-22 00:02:02',
  },
};

export function pin(changes: Record<string, unknown>): string {
  return JSON.stringify({ ...BASE.pin, ...changes });
}

export function record(type: PinterestType, changes: Record<string, unknown>): string {
  return JSON.stringify({ ...BASE[type], ...changes });
}

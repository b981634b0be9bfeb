/**
 * The dashboard API's endpoints, named once: the server's handler table must have exactly these keys,
 * and the tests and the benchmark walk this list, so a new endpoint cannot be left out of either.
 */
export const API_ROUTES = [
  '/api/meta',
  '/api/health',
  '/api/exhibitions/ratings-over-time',
  '/api/exhibitions/popularity',
  '/api/exhibitions/top-rated',
  '/api/exhibitions/rating-distribution',
  '/api/safety/summary',
  '/api/safety/by-hour',
  '/api/safety/by-floor',
  '/api/safety/by-exhibition',
  '/api/safety/heatmap',
  '/api/safety/emergencies',
  '/api/pinterest/top-category-by-country',
  '/api/pinterest/top-category-by-year',
  '/api/pinterest/followers-by-age-group',
  '/api/pinterest/followers-by-join-year',
  '/api/pinterest/users-joined-by-year',
  '/api/pinterest/top-posters',
] as const;

export type ApiRoute = (typeof API_ROUTES)[number];

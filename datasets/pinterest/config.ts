import { PINTEREST_TYPES, type PinterestType } from './rules';

/** The Kafka topic of each Pinterest record type: the topic is what says a message's type. */
export type PinterestTopics = Readonly<Record<PinterestType, string>>;

/** The variable that names each type's topic, and its default (the contract's names). */
export const PINTEREST_TOPIC_VARIABLES: Readonly<Record<PinterestType, { name: string; fallback: string }>> =
  {
    pin: { name: 'PINTEREST_TOPIC_PIN', fallback: 'pinterest.pin' },
    geo: { name: 'PINTEREST_TOPIC_GEO', fallback: 'pinterest.geo' },
    user: { name: 'PINTEREST_TOPIC_USER', fallback: 'pinterest.user' },
  };

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Reads PINTEREST_TOPIC_PIN/GEO/USER; each problem names its variable. */
export function readPinterestTopics(
  env: Record<string, string | undefined>,
  problems: string[],
): PinterestTopics {
  const topics = {} as Record<PinterestType, string>;
  for (const type of PINTEREST_TYPES) {
    const { name, fallback } = PINTEREST_TOPIC_VARIABLES[type];
    const topic = env[name] ?? fallback;
    if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
      problems.push(
        `${name} must be a Kafka topic name (letters, digits, ".", "_", "-"), got ${JSON.stringify(topic)}`,
      );
    }
    topics[type] = topic;
  }
  // One topic for two types would make the topic say nothing about a message's type.
  for (const [i, a] of PINTEREST_TYPES.entries()) {
    for (const b of PINTEREST_TYPES.slice(i + 1)) {
      if (topics[a] === topics[b]) {
        problems.push(
          `${PINTEREST_TOPIC_VARIABLES[a].name} and ${PINTEREST_TOPIC_VARIABLES[b].name} name the same topic ${JSON.stringify(topics[a])}; each record type needs its own`,
        );
      }
    }
  }
  return topics;
}

/** The record type a topic carries, if it is one of the Pinterest topics. */
export function pinterestTypeOfTopic(topics: PinterestTopics, topic: string): PinterestType | undefined {
  return PINTEREST_TYPES.find((type) => topics[type] === topic);
}

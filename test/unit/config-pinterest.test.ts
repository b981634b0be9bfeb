import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config';
import { pinterestTypeOfTopic } from '../../datasets/pinterest/config';
import { configProblems } from '../support/config-problems';

describe('Pinterest topics config', () => {
  it('defaults to the contract topic names', () => {
    expect(loadConfig({}).pinterest.topics).toEqual({
      pin: 'pinterest.pin',
      geo: 'pinterest.geo',
      user: 'pinterest.user',
    });
  });

  it('follows PINTEREST_TOPIC_PIN/GEO/USER, and the topic says the record type', () => {
    const { topics } = loadConfig({
      PINTEREST_TOPIC_PIN: 'p',
      PINTEREST_TOPIC_GEO: 'g',
      PINTEREST_TOPIC_USER: 'u',
    }).pinterest;
    expect(topics).toEqual({ pin: 'p', geo: 'g', user: 'u' });
    expect(pinterestTypeOfTopic(topics, 'g')).toBe('geo');
    expect(pinterestTypeOfTopic(topics, 'lmnh')).toBeUndefined();
  });

  it('names the variable of a bad or shared topic', () => {
    expect(configProblems({ PINTEREST_TOPIC_GEO: 'has space' }).join('\n')).toMatch(
      /PINTEREST_TOPIC_GEO must be a Kafka topic name/,
    );
    expect(configProblems({ PINTEREST_TOPIC_USER: 'pinterest.pin' }).join('\n')).toMatch(
      /PINTEREST_TOPIC_PIN and PINTEREST_TOPIC_USER name the same topic/,
    );
  });
});

import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { loadStackSettings, StackSettingsError } from '../../config/stack-settings';
import { positiveInt, topicNameProblem } from '../../cli/topics';

describe('topicNameProblem', () => {
  it('accepts Kafka-legal names', () => {
    for (const name of ['lmnh', 'lmnh-2', 'a.b_c-D9', 'x'.repeat(249)])
      expect(topicNameProblem(name)).toBeUndefined();
  });
  it('rejects empty, too long, dot names and illegal characters', () => {
    for (const name of ['', 'x'.repeat(250), '.', '..', 'with space', 'slash/no', 'ümlaut'])
      expect(topicNameProblem(name)).toBeTypeOf('string');
  });
});

describe('positiveInt', () => {
  const parse = positiveInt(100);
  it('parses whole numbers in range', () => {
    expect(parse('1')).toBe(1);
    expect(parse('100')).toBe(100);
  });
  it('rejects anything else as a commander argument error', () => {
    for (const raw of ['0', '101', '-1', '1.5', 'abc', '', '1e2', '0x10'])
      expect(() => parse(raw)).toThrow(InvalidArgumentError);
  });
});

describe('stack topics', () => {
  it('is the ingest topic alone by default', () => {
    expect(loadStackSettings({}).kafkaTopics).toEqual(['lmnh']);
  });
  it('adds STACK_KAFKA_TOPICS after STACK_KAFKA_TOPIC, without duplicates', () => {
    const s = loadStackSettings({ STACK_KAFKA_TOPIC: 'main', STACK_KAFKA_TOPICS: ' extra , main,,other ' });
    expect(s.kafkaTopics).toEqual(['main', 'extra', 'other']);
  });
  it('rejects an illegal topic name', () => {
    expect(() => loadStackSettings({ STACK_KAFKA_TOPICS: 'ok,not ok' })).toThrow(StackSettingsError);
  });
});

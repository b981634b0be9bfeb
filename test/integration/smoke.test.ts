import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { Worker, NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildActivityDeps, createActivities } from '../../activities';
import { INSTALLED_DATASETS } from '../../datasets';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import { healthCheckWorkflow } from '../../workflows';
import { stackConfig, TEST_DATABASE, uniqueName, WORKFLOWS_PATH } from '../support/env';

const config = stackConfig();
const db = createPgPool(config);
const kafka = createKafka(config);
const s3 = createS3(config);

afterAll(async () => {
  await db.end();
  s3.destroy();
});

describe('embedded stack smoke test', () => {
  it('PostgreSQL answers a query', async () => {
    const { rows } = await db.query<{ answer: number; db: string }>(
      'select 1 as answer, current_database() as db',
    );
    expect(rows[0]).toEqual({ answer: 1, db: TEST_DATABASE });
  });

  it('S3 puts, lists and reads back an object with the SDK default checksum behaviour', async () => {
    const key = `${uniqueName('smoke')}.txt`;
    const put = await s3.send(
      new PutObjectCommand({ Bucket: config.s3.bucket, Key: key, Body: 'kiosk press\n' }),
    );
    expect(put.ETag).toBeTruthy();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.s3.bucket, Prefix: key }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual([key]);
    const got = await s3.send(new GetObjectCommand({ Bucket: config.s3.bucket, Key: key }));
    expect(await got.Body?.transformToString()).toBe('kiosk press\n');
  });

  it('Kafka produces and consumes a message', async () => {
    const topic = uniqueName('smoke');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: '{"site":"1"}' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: uniqueName('smoke-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
    });
    await consumer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
    expect(received).toBe('{"site":"1"}');
  });

  describe('Temporal dev server', () => {
    let connection: Connection;
    beforeAll(async () => {
      connection = await Connection.connect({ address: config.temporal.address });
    });
    afterAll(async () => connection.close());

    it('runs a workflow whose activity reaches PostgreSQL, Kafka and S3', async () => {
      const taskQueue = uniqueName('smoke');
      const workerConnection = await NativeConnection.connect({ address: config.temporal.address });
      const worker = await Worker.create({
        connection: workerConnection,
        namespace: config.temporal.namespace,
        taskQueue,
        workflowsPath: WORKFLOWS_PATH,
        activities: createActivities(buildActivityDeps({ config, db, kafka, s3 }, INSTALLED_DATASETS)),
      });
      const client = new Client({ connection, namespace: config.temporal.namespace });
      const report = await worker.runUntil(
        client.workflow.execute(healthCheckWorkflow, { taskQueue, workflowId: uniqueName('health-check') }),
      );
      await workerConnection.close();
      expect(report.postgres).toMatch(/^PostgreSQL 17/);
      expect(report.kafka).toBe('1 broker(s)');
      expect(report.s3).toContain(config.s3.bucket);
    });
  });
});

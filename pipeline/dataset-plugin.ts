import type { S3Client } from '@aws-sdk/client-s3';
import type { ScheduleSpec } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Config } from '../config';
import type { Dataset } from './dataset';
import type { RejectStore } from './reject-replay';

/**
 * A dataset as the worker installs it: one folder under `datasets/`, listed once in
 * `datasets/index.ts`. The engine (workflows, activities, pipeline, worker) reaches a dataset only
 * through this interface and the `Dataset` seam its `create` returns.
 */
export interface DatasetPlugin {
  /** `--dataset <name>`, the `dataset` of workflow inputs, the metrics' `dataset` label. */
  readonly name: string;
  /** One line on what it is and where it comes from, for `--help`. */
  readonly summary: string;
  /** Each dataset it adds that reads files (its own name, variants), with what those files are, for `--help`. */
  readonly files?: Readonly<Record<string, string>>;
  /** Its live topics under this configuration, each with a label for the CLI; the first is the default. */
  topics(config: Config): LiveTopic[];
  /** The configuration variables that name its topics (for messages); absent: `--topic` picks one. */
  readonly topicVariables?: readonly string[];
  /** The datasets it adds to a worker: its own, and variants over other sources (the kiosk's archive replay). */
  create(deps: DatasetDeps): Dataset[];
  /** The names of the variants `create` adds beside the plug-in's own (for the CLI's choices). */
  readonly variants?: readonly string[];
  /** Where its rejects are kept, for listing and replay. */
  readonly rejects?: RejectStore;
  /** Daily backfills the workers keep scheduled. */
  readonly schedules?: readonly DailyBackfill[];
  /** Reference data the seed loads (the kiosk's ratings, request types and exhibition catalogue). */
  readonly reference?: ReferenceData;
  /** A folder of its own migrations (`NNNN_name.sql`, versions unique across all folders). */
  readonly migrations?: string;
}

export interface ReferenceData {
  /** Fixed rows its tables refer to. Idempotent. */
  seedFixed(db: Pool): Promise<void>;
  /** Whether a bucket's object is one of its reference files. */
  isReferenceFile(key: string): boolean;
  /** Loads reference files, each on its own: a bad file is reported by key and the rest still load. */
  seedFiles(
    deps: { db: Pool; s3: S3Client },
    bucket: string,
    keys: readonly string[],
  ): Promise<ReferenceSeedResult>;
}

export interface ReferenceSeedResult {
  seeded: Array<{ key: string; publicId: string; changed: boolean }>;
  failed: Array<{ key: string; error: string }>;
}

export interface LiveTopic {
  label: string;
  topic: string;
}

/** What a plug-in's datasets may use, built once per worker process. */
export interface DatasetDeps {
  config: Config;
  db: Pool;
  /** Live topics of every other installed dataset (an archive replay skips them). */
  otherTopics: readonly string[];
}

export interface DailyBackfill {
  /** The schedule's id; its runs are `<id>-<time>`. */
  id: string;
  /** When and over what, for `schedule --help`. */
  description: string;
  spec(config: Config): ScheduleSpec;
  /** Which of the plug-in's datasets the backfill runs over. */
  dataset: string;
}

/** The installed plug-ins as the engine uses them; built from the one list in `datasets/index.ts`. */
export class DatasetRegistry {
  constructor(readonly plugins: readonly DatasetPlugin[]) {
    if (plugins.length === 0) throw new Error('no dataset is installed');
    const names = new Set<string>();
    for (const p of plugins) {
      if (names.has(p.name)) throw new Error(`two datasets are named ${p.name}`);
      names.add(p.name);
    }
  }

  /** The dataset a command or workflow means when it names none: the first installed. */
  get defaultName(): string {
    return this.plugins[0]!.name;
  }

  get names(): string[] {
    return this.plugins.map((p) => p.name);
  }

  /** Every dataset a worker runs: the plug-ins' own names and their variants. */
  get allNames(): string[] {
    return this.plugins.flatMap((p) => [p.name, ...(p.variants ?? [])]);
  }

  /** The datasets that read files (S3 objects), with what those files are. */
  get fileDatasets(): Array<[string, string]> {
    return this.plugins.flatMap((p) => Object.entries(p.files ?? {}));
  }

  /** The plug-ins that keep rejects. */
  get withRejects(): Array<DatasetPlugin & { rejects: RejectStore }> {
    return this.plugins.filter((p): p is DatasetPlugin & { rejects: RejectStore } => p.rejects !== undefined);
  }

  plugin(name: string): DatasetPlugin | undefined {
    return this.plugins.find((p) => p.name === name);
  }

  /** Every dataset of every plug-in, by name (variants included). */
  createDatasets(deps: Omit<DatasetDeps, 'otherTopics'>): Record<string, Dataset> {
    const out: Record<string, Dataset> = {};
    for (const p of this.plugins) {
      const otherTopics = this.plugins
        .filter((o) => o !== p)
        .flatMap((o) => o.topics(deps.config).map((t) => t.topic));
      for (const d of p.create({ ...deps, otherTopics })) {
        if (out[d.name]) throw new Error(`two datasets are named ${d.name}`);
        out[d.name] = d;
      }
    }
    return out;
  }

  get schedules(): DailyBackfill[] {
    return this.plugins.flatMap((p) => p.schedules ?? []);
  }

  get references(): ReferenceData[] {
    return this.plugins.flatMap((p) => (p.reference ? [p.reference] : []));
  }

  get migrationDirs(): string[] {
    return this.plugins.flatMap((p) => (p.migrations ? [p.migrations] : []));
  }
}

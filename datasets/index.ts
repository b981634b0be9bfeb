import { DatasetRegistry } from '../pipeline/dataset-plugin';
import { kioskPlugin } from './kiosk';
import { pinterestPlugin } from './pinterest';

/**
 * The installed datasets: the one list. A new dataset is a folder beside these two and a line
 * here; the engine, the worker and the CLI take every name, topic, schedule and reject table from
 * it. The first is the default of every command and workflow that names none.
 */
export const INSTALLED_DATASETS = new DatasetRegistry([kioskPlugin, pinterestPlugin]);

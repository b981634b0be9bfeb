/** Staged verdict kinds; whether a row is new, a duplicate or a conflict is load's to decide. */
export const VERDICT_KIND = { row: 0, reject: 2 } as const;

/** The COPY target of staged verdicts, live batches and sink-object chunks alike. */
export const STAGED_VERDICT_COLUMNS =
  'staged_pinterest_verdict (batch_id, source_id, source_seq, partition, "offset", record_type, kind, ind, row_json, raw, reason, detail)';

export {
  type Catalogue,
  type CatalogueEntry,
  REFERENCE_CATALOGUE,
  catalogueFromPublicIds,
  siteOfPublicId,
  siteToPublicId,
} from './catalogue';
export {
  type Exhibition,
  type ExhibitionError,
  EXHIBITION_KEY_PATTERN,
  HISTORY_KEY_PATTERN,
  historyFileNumber,
  isExhibitionError,
  isExhibitionKey,
  isHistoryKey,
  parseExhibitionJson,
} from './exhibition';
export {
  kafkaPosition,
  kafkaTopicPrefix,
  likePrefix,
  parsePosition,
  s3KeyLock,
  s3KeyPrefix,
  s3ObjectSource,
  s3Position,
  type ParsedPosition,
} from './position';
export {
  type EventRecord,
  type Rating,
  type RejectReason,
  type RequestType,
  type RuleContext,
  type Verdict,
  CLOSING_TIME,
  EVENT_KEYS,
  FUTURE_TOLERANCE_MS,
  MAX_PAYLOAD_BYTES,
  OPENING_TIME,
  REJECT_REASONS,
  integerLike,
  validateCsvRow,
  validateKafkaPayload,
  validateRecord,
} from './rules';
export { DEFAULT_TIME_ZONE, type EventTime, parseEventTime } from './time';

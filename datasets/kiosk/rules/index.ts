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
  validateCsvRow,
  validateKafkaPayload,
  validateRecord,
} from './rules';
export { integerLike } from '../../../common/integer-like';

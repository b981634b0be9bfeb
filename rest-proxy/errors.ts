/**
 * Errors in the Kafka REST Proxy's shape, `{"error_code": …, "message": …}`, with its codes: the HTTP
 * status alone where the proxy has no finer code (415, 422, 413), five digits where it has one.
 */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }

  get body(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const topicNotFound = (): RestError => new RestError(404, 40401, 'Topic not found.');
export const partitionNotFound = (): RestError => new RestError(404, 40402, 'Partition not found.');
export const topicNotAllowed = (): RestError =>
  new RestError(403, 40301, 'This proxy does not write to that topic (REST_PROXY_TOPICS).');
export const unauthenticated = (): RestError => new RestError(401, 40101, 'Authentication failed.');
export const notFound = (): RestError => new RestError(404, 404, 'HTTP 404 Not Found');
export const methodNotAllowed = (): RestError => new RestError(405, 405, 'HTTP 405 Method Not Allowed');
export const unsupportedMediaType = (): RestError =>
  new RestError(415, 415, 'HTTP 415 Unsupported Media Type');
export const unprocessable = (message: string): RestError => new RestError(422, 422, message);
export const malformedJson = (message: string): RestError => new RestError(400, 400, message);
export const bodyTooLarge = (limit: number): RestError =>
  new RestError(413, 413, `Request body is larger than ${limit} bytes (REST_PROXY_MAX_BODY_BYTES).`);
/** 50003: the operation failed but may succeed if retried (the broker is down or slow). */
export const kafkaRetriable = (message: string): RestError =>
  new RestError(500, 50003, `Retriable Kafka error: ${message}`);
/** 50002: a Kafka error that retrying will not fix (a record over the broker's size limit, say). */
export const kafkaError = (message: string): RestError =>
  new RestError(500, 50002, `Kafka error: ${message}`);

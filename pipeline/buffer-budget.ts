/**
 * One memory budget for the whole worker process: the messages every partition reader has
 * buffered plus those of the batches held between extract and load. A kafkajs message object
 * costs far more than its payload, so messages are counted as well as bytes. Readers stop
 * fetching while it is spent; loads give it back.
 *
 * The bytes are payload bytes, but a held batch also carries its verdicts: a judged Pinterest
 * record (parsed text fields beside its raw bytes) costs about three times its payload in heap.
 * 12 MB keeps three Pinterest topics at once near the worker's memory target (measured with
 * bench:pinterest); kiosk events are small, so for them the message count binds first.
 */
export class BufferBudget {
  private messagesHeld = 0;
  private bytesHeld = 0;

  constructor(
    readonly maxMessages = 40_000,
    readonly maxBytes = 12 * 1024 * 1024,
  ) {}

  add(messages: number, bytes: number): void {
    this.messagesHeld += messages;
    this.bytesHeld += bytes;
  }

  remove(messages: number, bytes: number): void {
    this.messagesHeld -= messages;
    this.bytesHeld -= bytes;
  }

  get spent(): boolean {
    return this.messagesHeld >= this.maxMessages || this.bytesHeld >= this.maxBytes;
  }

  get messages(): number {
    return this.messagesHeld;
  }

  get bytes(): number {
    return this.bytesHeld;
  }
}

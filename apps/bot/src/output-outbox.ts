/**
 * One task's output as the bot keeps it for the coordinator: every byte from the last
 * acknowledged offset up to what the payload produced, and how far the current stream got. A new
 * stream rewinds to the acknowledged offset, so a resend starts there; offsets make a resend of
 * bytes already stored harmless.
 *
 *   0 ........ keptFrom ........ sentUpTo ........ produced
 *   (acked, dropped)  (kept, sent)      (kept, unsent)
 *
 * The coordinator answers each Output with one Ack, in order, carrying the size it has stored.
 * An answer below the end of the piece it answers means the coordinator is missing bytes (it lost
 * them, or refused the piece as a gap): the outbox rewinds to that offset, so the next flush sends
 * them again. The answers to pieces sent before that rewind say the same and are not rewinds.
 */
export interface OutputPiece {
  readonly offset: number;
  readonly data: Buffer;
}

export type AckOutcome = 'stored' | 'gap';

export class OutputOutbox {
  /** Kept chunks, each with the offset of its first byte; they cover [keptFrom, produced). */
  private chunks: OutputPiece[] = [];
  private keptFromOffset = 0;
  private producedOffset = 0;
  private sentUpToOffset = 0;
  /** Pieces sent on this stream and not answered yet, oldest first; `epoch` of their send. */
  private inFlight: { end: number; epoch: number }[] = [];
  /** Counts rewinds: answers to pieces sent before the latest one cannot ask for another. */
  private epoch = 0;

  /** Bytes the payload produced so far. */
  get produced(): number {
    return this.producedOffset;
  }
  /** The coordinator stored everything below this offset. */
  get keptFrom(): number {
    return this.keptFromOffset;
  }
  /** Bytes kept: produced and not acknowledged. */
  get kept(): number {
    return this.producedOffset - this.keptFromOffset;
  }
  /** Bytes not yet written to the current stream. */
  get unsent(): number {
    return this.producedOffset - this.sentUpToOffset;
  }

  append(data: Buffer): void {
    if (data.length === 0) return;
    this.chunks.push({ offset: this.producedOffset, data });
    this.producedOffset += data.length;
  }

  /**
   * The coordinator stored every byte below `offset`: drop them. `'gap'` when it is missing bytes
   * the current stream already sent: they will be sent again from `offset` (or from `keptFrom` if
   * it went backwards past an earlier acknowledgement: those bytes are gone).
   */
  ack(offset: number): AckOutcome {
    const answered = this.inFlight.shift();
    this.drop(offset);
    const gap =
      answered !== undefined &&
      answered.epoch === this.epoch &&
      offset < answered.end &&
      this.keptFromOffset < this.sentUpToOffset;
    if (!gap) return 'stored';
    this.sentUpToOffset = this.keptFromOffset;
    this.epoch += 1;
    return 'gap';
  }

  /** A new stream knows nothing beyond the acknowledged offset: send from there again. */
  rewind(): void {
    this.sentUpToOffset = this.keptFromOffset;
    this.inFlight = [];
    this.epoch += 1;
  }

  private drop(offset: number): void {
    const upTo = Math.min(Math.max(offset, this.keptFromOffset), this.producedOffset);
    for (;;) {
      const first = this.chunks[0];
      if (first === undefined) break;
      const end = first.offset + first.data.length;
      if (end <= upTo) {
        this.chunks.shift();
      } else {
        if (first.offset < upTo)
          this.chunks[0] = { offset: upTo, data: first.data.subarray(upTo - first.offset) };
        break;
      }
    }
    this.keptFromOffset = upTo;
    this.sentUpToOffset = Math.max(this.sentUpToOffset, upTo);
  }

  /** The unsent bytes as pieces of at most `maxBytes`, now counted as sent. */
  takeUnsent(maxBytes: number): OutputPiece[] {
    const pieces: OutputPiece[] = [];
    let pending: Buffer[] = [];
    let pendingStart = this.sentUpToOffset;
    let pendingSize = 0;
    const cut = () => {
      if (pendingSize > 0)
        pieces.push({ offset: pendingStart, data: Buffer.concat(pending, pendingSize) });
      pendingStart += pendingSize;
      pending = [];
      pendingSize = 0;
    };
    for (const chunk of this.chunks) {
      const end = chunk.offset + chunk.data.length;
      if (end <= this.sentUpToOffset) continue;
      let data = chunk.data.subarray(Math.max(0, this.sentUpToOffset - chunk.offset));
      while (data.length > 0) {
        const room = maxBytes - pendingSize;
        pending.push(data.subarray(0, room));
        pendingSize += Math.min(room, data.length);
        data = data.subarray(room);
        if (pendingSize >= maxBytes) cut();
      }
    }
    cut();
    this.sentUpToOffset = this.producedOffset;
    for (const p of pieces)
      this.inFlight.push({ end: p.offset + p.data.length, epoch: this.epoch });
    return pieces;
  }
}

/**
 * The bytes [offset, end) of a task's output from the stored chunks that overlap it (ordered by
 * their offset), shared by every Store adapter.
 */
export function sliceOutput(
  chunks: ReadonlyArray<{ readonly at: number; readonly data: Buffer }>,
  offset: number,
  end: number,
): Buffer {
  const parts: Buffer[] = [];
  for (const chunk of chunks) {
    const from = Math.max(0, offset - chunk.at);
    const to = Math.min(chunk.data.length, end - chunk.at);
    if (to > from) parts.push(chunk.data.subarray(from, to));
  }
  return Buffer.concat(parts);
}

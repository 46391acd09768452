/** The last lines a child process printed, kept for error messages and logs. */

/**
 * Reads `stream` to its end as text lines, keeping the last `max` of them in `tail` (shared
 * by a process's stdout and stderr); a last line without a newline is kept too.
 */
export async function keepLastLines(
  stream: ReadableStream<Uint8Array>,
  tail: string[],
  max: number,
): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    rest += decoder.decode(chunk, { stream: true });
    const lines = rest.split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      tail.push(line);
      if (tail.length > max) tail.shift();
    }
  }
  if (rest) tail.push(rest);
}

/**
 * Joins the pages of a paginated `tools/list` into the whole tool set.
 *
 * A server may split its tools over several pages (`nextCursor` in a result, `cursor` in the next
 * request). Fingerprinting each page on its own would make a server whose pages differ look as if its
 * tool set changed on every page, a false rug-pull alarm; so the set is fingerprinted once, when the
 * last page arrives, over all the pages since the first one (the request without a cursor). A page
 * whose cursor is not the one the previous page handed out (the first pages were listed before this
 * process was instrumented, or pages were skipped) starts a sequence that is never complete: its
 * pages get no fingerprint, rather than a fingerprint of part of the set.
 *
 * One instance per connection and direction: cursors are only meaningful to the server that made them.
 */
export class ToolListPages {
  /** Tools of the pages so far, or undefined when the current sequence is not known from its start. */
  private collected: unknown[] | undefined;
  /** The cursor the next page's request must carry to continue the sequence. */
  private expectedCursor: string | undefined;

  /**
   * Records one page: `cursor` is the request's `params.cursor`, `tools` and `nextCursor` come from its
   * result. Returns the whole tool set when this page completes a sequence known from its first page,
   * else undefined (a page with more to come, or a sequence whose start was not seen).
   */
  page(cursor: unknown, tools: readonly unknown[], nextCursor: unknown): unknown[] | undefined {
    if (cursor === undefined) {
      this.collected = [...tools];
    } else if (this.collected && typeof cursor === 'string' && cursor === this.expectedCursor) {
      this.collected.push(...tools);
    } else {
      this.collected = undefined;
    }
    if (typeof nextCursor === 'string') {
      this.expectedCursor = nextCursor;
      return undefined;
    }
    const complete = this.collected;
    this.collected = undefined;
    this.expectedCursor = undefined;
    return complete;
  }
}

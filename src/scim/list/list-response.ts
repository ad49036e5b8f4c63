// The ListResponse message (RFC 7644 §3.4.2) for index pages and RFC 9865 cursor pages.
import { URN } from '../urns';

export interface ListPageBody {
  readonly resources: readonly Record<string, unknown>[];
  readonly totalResults: number;
  /** Index pages only: the 1-based position of the first resource. */
  readonly startIndex?: number;
  /** Cursor pages only, and only when another page follows. */
  readonly nextCursor?: string;
}

export function listResponse(page: ListPageBody): Record<string, unknown> {
  return {
    schemas: [URN.message.listResponse],
    // RFC 7644 §3.4.2: totalResults counts every match, not the page; itemsPerPage is what this page holds.
    totalResults: page.totalResults,
    itemsPerPage: page.resources.length,
    ...(page.startIndex !== undefined ? { startIndex: page.startIndex } : {}),
    // RFC 9865: nextCursor is omitted exactly on the last page.
    ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
    Resources: page.resources,
  };
}

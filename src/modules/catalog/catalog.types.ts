// The records are stored by the interactions module, which owns `movie` and `app_user`;
// they are the catalog API's shapes too, so the catalog re-exports them.
export type { MovieRecord, UserRecord } from '@modules/interactions';

export interface ImportResult {
  readonly imported: number;
  /** Rows rejected by validation, with their position in the input and the reason. */
  readonly rejected: readonly { readonly index: number; readonly reason: string }[];
}

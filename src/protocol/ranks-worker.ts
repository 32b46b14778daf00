// Names and messages shared by the extension host and the workers that compute ranks views, with no runtime
// dependency (the extension bundle imports this without pulling the engine in).
import type { RanksView } from '../analyze/ranks/view.js';
import type { WorkerError } from './profile-session.js';

/** The profile-session query that answers the ranks view of the profile the session holds. */
export const RANKS_VIEW_QUERY = 'ranks-view';

/** Messages of the ranks-compute worker (dist/ranks-compute.js). */
export type RanksComputeRequest = { type: 'ranks-compute'; inputs: string[] } | { type: 'cancel' };
export type RanksComputeReply =
  | { type: 'progress'; fraction: number; message: string }
  | { type: 'result'; view: RanksView }
  | ({ type: 'error' } & WorkerError);

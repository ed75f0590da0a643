import { CentosError } from '../errors.ts';

/** This worker no longer holds the lease at the epoch it worked under; nothing was written. */
export class LeaseLostError extends CentosError {
  readonly shardId: string;
  readonly epoch: number;
  constructor(app: string, shardId: string, epoch: number) {
    super(`${app}/${shardId}: lease at epoch ${epoch} is no longer held by this worker; the commit was rolled back`, { retriable: false });
    this.shardId = shardId;
    this.epoch = epoch;
  }
}

/** A commit tried to move a checkpoint backwards; the transaction was rolled back. */
export class CheckpointOrderError extends CentosError {
  constructor(message: string) {
    super(message, { retriable: false });
  }
}

import type { HostLoss } from '../training/host_loss.js';

/** A loss registered with {@link hostLosses}; `unregister` ends its lifetime. */
export interface HostLossRegistration {
  /** The id the kernel receives as its `lossId` attribute. */
  readonly id: number;
  /** Removes the loss; the kernel then rejects its id. */
  unregister(): void;
}

/**
 * The host losses that running fits have handed to the `PolymodalHostLoss` kernel.
 *
 * tfjs kernel attributes are plain data (numbers, strings, arrays), so a loss function cannot
 * travel through them: the hybrid stepper registers its loss here, passes the id as an attribute,
 * and the kernel looks the function up. An entry lives exactly as long as the stepper that made
 * it (it unregisters on dispose), so several fits, even interleaved ones, never see each other's
 * losses.
 */
export class HostLossRegistry {
  private readonly entries = new Map<number, HostLoss>();
  private nextId = 0;

  /** Makes `loss` callable from the kernel until the registration is unregistered. */
  register(loss: HostLoss): HostLossRegistration {
    const id = this.nextId++;
    this.entries.set(id, loss);
    return { id, unregister: () => this.entries.delete(id) };
  }

  /** The loss registered as `id`, if it still is. */
  get(id: number): HostLoss | undefined {
    return this.entries.get(id);
  }

  /** Losses registered now (0 when no hybrid fit is running). */
  get size(): number {
    return this.entries.size;
  }
}

/** The one registry the host loss kernel reads. */
export const hostLosses = new HostLossRegistry();

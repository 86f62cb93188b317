// Per-host limit on open WinRM shells, shared by every runner in the process, so that parallel
// work never reaches the service's MaxShellsPerUser quota (30 by default since Windows Server 2012).

/** Maximum shells one process keeps open per host, unless a host setting sets another value. */
export const DEFAULT_MAX_SHELLS_PER_HOST = 5;

/** A counting semaphore with FIFO waiters. */
export class Semaphore {
    #available: number;
    readonly #waiters: Array<() => void> = [];

    constructor(readonly limit: number) {
        if (!Number.isInteger(limit) || limit < 1) {
            throw new RangeError(`the shell limit must be a positive integer, got ${limit}`);
        }
        this.#available = limit;
    }

    /** Waits for a free slot and returns the function that frees it (idempotent). */
    async acquire(): Promise<() => void> {
        if (this.#available > 0) {
            this.#available -= 1;
        } else {
            await new Promise<void>((resolve) => this.#waiters.push(resolve));
        }
        let released = false;
        return () => {
            if (released) {
                return;
            }
            released = true;
            this.#release();
        };
    }

    /** Slots in use. */
    get inUse(): number {
        return this.limit - this.#available;
    }

    #release(): void {
        const next = this.#waiters.shift();
        if (next !== undefined) {
            next();
        } else {
            this.#available += 1;
        }
    }
}

const hostLimits = new Map<string, Semaphore>();

/**
 * Returns the semaphore of `hostKey`. The first caller for a host sets its limit; later callers
 * share it whatever limit they pass.
 */
export function shellLimitFor(hostKey: string, limit: number = DEFAULT_MAX_SHELLS_PER_HOST): Semaphore {
    let semaphore = hostLimits.get(hostKey);
    if (semaphore === undefined) {
        semaphore = new Semaphore(limit);
        hostLimits.set(hostKey, semaphore);
    }
    return semaphore;
}

import { promises as fs } from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import * as lockfile from "proper-lockfile";
import type { HostState } from "./model";
import { findHostStateProblem } from "./state-shape";

export * from "./model";

/** How to run the simulator's command line from the project root, for messages that name a fix. */
export const SIMULATOR_CLI = "node dist/provider/simulator/cli.js";

/**
 * Persistence of the simulated host. The state is one JSON file. Writers take an exclusive lock
 * (proper-lockfile, on `<file>.lock`) for the whole read-modify-write. They replace the file
 * atomically by writing a temporary file in the same folder and renaming it. Readers therefore
 * need no lock, because they always see a complete state, old or new.
 */

/** Time after which a lock held by a crashed process is taken over, in milliseconds. */
const LOCK_STALE_MS = 10_000;

/** Retry schedule while another process has the lock: 600 tries at most 50 ms apart, so at most about 30 s. */
const LOCK_RETRIES = { retries: 600, minTimeout: 2, maxTimeout: 50, factor: 1.3, randomize: true };

/** A failure to read, lock or write the state file (as opposed to a rule the host enforces). */
export class HostStateError extends Error {
    override readonly name = "HostStateError";
}

/** Tail of the in-process queue per state file: writers in one process wait here before the file lock. */
const localQueues = new Map<string, Promise<unknown>>();

/** Reads the state file. Throws HostStateError when it is missing, not JSON or not shaped like HostState. */
export async function readHostState(statePath: string): Promise<HostState> {
    let text: string;
    try {
        text = await fs.readFile(statePath, "utf8");
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") {
            throw new HostStateError(
                `simulated host state ${statePath} does not exist: create it with "${SIMULATOR_CLI} init --state ${statePath}"`,
            );
        }
        throw error;
    }
    return parseHostState(statePath, text);
}

function parseHostState(statePath: string, text: string): HostState {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (error) {
        throw invalidStateError(statePath, `is not valid JSON (${(error as Error).message})`);
    }
    const candidate = parsed as Partial<HostState> | null;
    if (candidate === null || typeof candidate !== "object" || candidate.schemaVersion !== 1) {
        throw invalidStateError(statePath, "has no supported schemaVersion (expected 1)");
    }
    const problem = findHostStateProblem(parsed);
    if (problem !== undefined) {
        throw invalidStateError(statePath, `is not a valid simulator state: ${problem}`);
    }
    return parsed as HostState;
}

/** Builds the error for a state file that exists but cannot be used, with the command that replaces it. */
function invalidStateError(statePath: string, problem: string): HostStateError {
    return new HostStateError(
        `simulated host state ${statePath} ${problem}. Replace it with a freshly seeded host, which discards ` +
            `its networks and containers: ${SIMULATOR_CLI} reset --state ${statePath}`,
    );
}

async function fileExists(filePath: string): Promise<boolean> {
    try {
        await fs.access(filePath);
        return true;
    } catch {
        return false;
    }
}

/** Writes the state to a temporary file beside the target and renames it over the target. */
async function writeAtomically(statePath: string, state: HostState): Promise<void> {
    const temporary = `${statePath}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    const handle = await fs.open(temporary, "w");
    try {
        await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`, "utf8");
        await handle.sync();
    } finally {
        await handle.close();
    }
    await fs.rename(temporary, statePath);
}

/**
 * Runs `action` while holding the state file's lock, after earlier writers of this process.
 * The lock is released even when `action` throws.
 */
async function withFileLock<T>(statePath: string, action: () => Promise<T>): Promise<T> {
    const key = path.resolve(statePath);
    const previous = localQueues.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => lockAndRun(key, action));
    localQueues.set(key, run);
    try {
        return await run;
    } finally {
        if (localQueues.get(key) === run) {
            localQueues.delete(key);
        }
    }
}

async function lockAndRun<T>(statePath: string, action: () => Promise<T>): Promise<T> {
    await fs.mkdir(path.dirname(statePath), { recursive: true });
    let compromised: Error | null = null;
    const release = await lockfile.lock(statePath, {
        realpath: false,
        stale: LOCK_STALE_MS,
        retries: LOCK_RETRIES,
        onCompromised: (error) => {
            compromised = error;
        },
    });
    try {
        const result = await action();
        if (compromised !== null) {
            throw new HostStateError(
                `lock on ${statePath} was lost while writing: ${(compromised as Error).message}`,
            );
        }
        return result;
    } finally {
        await release().catch(() => undefined);
    }
}

/**
 * Reads the state, applies `mutate` and writes the result, all under the file lock. When
 * `mutate` throws, nothing is written, so every update is all or nothing.
 */
export async function updateHostState<T>(statePath: string, mutate: (state: HostState) => T): Promise<T> {
    return withFileLock(statePath, async () => {
        const state = await readHostState(statePath);
        const result = mutate(state);
        await writeAtomically(statePath, state);
        return result;
    });
}

/**
 * Creates the state file from `create()` unless it exists, under the file lock so that two
 * processes starting at once seed it only once. Returns the state now in the file.
 */
export async function createHostStateIfMissing(
    statePath: string,
    create: () => HostState,
): Promise<HostState> {
    return withFileLock(statePath, async () => {
        if (await fileExists(statePath)) {
            return readHostState(statePath);
        }
        const state = create();
        await writeAtomically(statePath, state);
        return state;
    });
}

/** Replaces the state file with `create()` under the file lock, whatever it held. */
export async function replaceHostState(statePath: string, create: () => HostState): Promise<HostState> {
    return withFileLock(statePath, async () => {
        const state = create();
        await writeAtomically(statePath, state);
        return state;
    });
}

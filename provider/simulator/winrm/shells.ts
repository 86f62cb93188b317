// Shells and commands of the simulated WinRM endpoint: buffered output, long-poll waits and
// the per-user shell quota.

import { randomUUID } from "crypto";
import type { CommandExecutor, CommandSpec, RunningCommand } from "./executors";
import { faults } from "./replies";

/** Output taken by one Receive. */
export interface TakenOutput {
    stdout: Buffer;
    stderr: Buffer;
    /** True when the process has exited and every byte of output was taken. */
    done: boolean;
    exitCode: number;
}

/** One command in a shell, with output buffered until a Receive takes it. */
export class SimulatedCommand {
    readonly id = randomUUID().toUpperCase();
    #stdout: Buffer[] = [];
    #stderr: Buffer[] = [];
    #exitCode: number | null = null;
    #waiters: Array<() => void> = [];
    #process: RunningCommand | undefined;

    /** Starts the process through `executor`. */
    start(executor: CommandExecutor, spec: CommandSpec): void {
        this.#process = executor.start(spec, {
            stdout: (data) => this.#append(this.#stdout, data),
            stderr: (data) => this.#append(this.#stderr, data),
            exit: (code) => {
                if (this.#exitCode === null) {
                    this.#exitCode = code;
                    this.#wake();
                }
            },
        });
    }

    get process(): RunningCommand {
        if (this.#process === undefined) {
            throw new Error("the command has not been started");
        }
        return this.#process;
    }

    /** True when output or the exit is waiting to be taken. */
    hasActivity(): boolean {
        return this.#stdout.length > 0 || this.#stderr.length > 0 || this.#exitCode !== null;
    }

    /** Waits until {@link hasActivity} or until `timeoutMs` passes; returns whether there is activity. */
    async waitForActivity(timeoutMs: number): Promise<boolean> {
        if (this.hasActivity()) {
            return true;
        }
        await new Promise<void>((resolve) => {
            // The open HTTP request keeps the process alive, so the timer need not.
            const timer = setTimeout(resolve, timeoutMs).unref();
            this.#waiters.push(() => {
                clearTimeout(timer);
                resolve();
            });
        });
        return this.hasActivity();
    }

    /** Takes up to `maxBytes` of buffered output, stdout first. */
    take(maxBytes: number): TakenOutput {
        const stdout = takeBytes(this.#stdout, maxBytes);
        const stderr = takeBytes(this.#stderr, maxBytes - stdout.length);
        const drained = this.#stdout.length === 0 && this.#stderr.length === 0;
        const done = drained && this.#exitCode !== null;
        return { stdout, stderr, done, exitCode: this.#exitCode ?? 0 };
    }

    #append(queue: Buffer[], data: Buffer): void {
        if (data.length > 0) {
            queue.push(data);
            this.#wake();
        }
    }

    #wake(): void {
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const wake of waiters) {
            wake();
        }
    }
}

function takeBytes(queue: Buffer[], maxBytes: number): Buffer {
    const parts: Buffer[] = [];
    let size = 0;
    while (queue.length > 0 && size < maxBytes) {
        const head = queue[0];
        const room = maxBytes - size;
        if (head.length <= room) {
            parts.push(head);
            size += head.length;
            queue.shift();
        } else {
            parts.push(head.subarray(0, room));
            queue[0] = head.subarray(room);
            size += room;
        }
    }
    return Buffer.concat(parts);
}

/** A shell: its options and its commands. */
export interface SimulatedShell {
    id: string;
    user: string;
    codepage: number;
    noProfile: boolean;
    commands: Map<string, SimulatedCommand>;
}

/** All shells of the endpoint, with the MaxShellsPerUser quota. */
export class ShellTable {
    readonly #shells = new Map<string, SimulatedShell>();

    constructor(readonly maxShellsPerUser: number) {}

    /** Creates a shell, or throws the QuotaLimit fault when `user` already has the maximum. */
    create(user: string, codepage: number, noProfile: boolean): SimulatedShell {
        const owned = [...this.#shells.values()].filter((shell) => shell.user === user).length;
        if (owned >= this.maxShellsPerUser) {
            throw faults.maxShells(this.maxShellsPerUser);
        }
        const shell: SimulatedShell = {
            id: randomUUID().toUpperCase(),
            user,
            codepage,
            noProfile,
            commands: new Map(),
        };
        this.#shells.set(shell.id, shell);
        return shell;
    }

    /** Returns the shell, or throws InvalidSelectors when it does not exist or belongs to another user. */
    get(shellId: string, user: string): SimulatedShell {
        const shell = this.#shells.get(shellId);
        if (shell === undefined || shell.user !== user) {
            throw faults.shellNotFound(shellId);
        }
        return shell;
    }

    /** Deletes a shell and terminates its commands. */
    delete(shellId: string): void {
        const shell = this.#shells.get(shellId);
        if (shell === undefined) {
            return;
        }
        this.#shells.delete(shellId);
        for (const command of shell.commands.values()) {
            command.process.signal("terminate");
        }
    }

    /** Number of open shells. */
    get size(): number {
        return this.#shells.size;
    }

    /** Ids of open shells. */
    ids(): string[] {
        return [...this.#shells.keys()];
    }
}

// Runs the program in a child Node process (language-host.js) and handles its resource registrations. The SDK's
// runtime state is global to a process, so every run gets a fresh process.
import { fork } from "child_process";
import * as path from "path";
import * as readline from "readline";

import { killOnDriverExit } from "./child-processes";
import { errorMessage } from "./context";
import {
    EngineMessage,
    ProgramHostSettings,
    ProgramMessage,
    PropertyMap,
    RegistrationRequest,
    RegistrationResponse,
} from "./types";

/** How long the program may go on after a failed registration before the driver ends it. */
const FAILED_PROGRAM_GRACE_MS = 3_000;

export interface ProgramHandlers {
    register(request: RegistrationRequest): Promise<RegistrationResponse>;
    /** `absentPaths` comes with the stack outputs of a preview; see RegistrationResponse.final. */
    registerOutputs(urn: string, outputs: PropertyMap, absentPaths?: string[][]): void;
    /** Receives each line the program prints, prefixed with the stream name. */
    onOutput(line: string): void;
}

/** Runs the program to completion and returns the errors it reported (thrown errors, rejected registrations). */
export function runProgram(
    settings: ProgramHostSettings,
    env: Record<string, string>,
    handlers: ProgramHandlers,
): Promise<string[]> {
    const child = fork(path.join(__dirname, "language-host.js"), [JSON.stringify(settings)], {
        cwd: settings.projectRoot,
        env: { ...process.env, ...env },
        execArgv: [],
        stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    // The program process also exits by itself when the IPC channel closes, as it does when the driver dies.
    killOnDriverExit(child);
    readline
        .createInterface({ input: child.stdout! })
        .on("line", (line) => handlers.onOutput(`[program stdout] ${line}`));
    readline
        .createInterface({ input: child.stderr! })
        .on("line", (line) => handlers.onOutput(`[program stderr] ${line}`));

    // Registrations are handled one at a time, in the order they arrive.
    let queue = Promise.resolve();
    const reply = (message: EngineMessage) => {
        if (child.connected) {
            child.send(message);
        }
    };
    // The engine cancels the program after a failed step. Without that, a resource that waits for
    // an output of the failed one would keep the program, and the driver, waiting forever.
    let endTimer: NodeJS.Timeout | undefined;
    const endAfterFailure = () => {
        endTimer ??= setTimeout(() => child.kill("SIGKILL"), FAILED_PROGRAM_GRACE_MS);
    };
    child.once("exit", () => clearTimeout(endTimer));
    return new Promise((resolve) => {
        let result: string[] | undefined;
        child.on("message", (message: ProgramMessage) => {
            if (message.kind === "register") {
                queue = queue.then(async () => {
                    try {
                        reply({
                            kind: "registered",
                            seq: message.seq,
                            response: await handlers.register(message.request),
                        });
                    } catch (error) {
                        reply({ kind: "register-failed", seq: message.seq, message: errorMessage(error) });
                        endAfterFailure();
                    }
                });
            } else if (message.kind === "register-outputs") {
                queue = queue.then(() =>
                    handlers.registerOutputs(message.urn, message.outputs, message.absentPaths),
                );
            } else {
                result = message.errors;
            }
        });
        child.once("exit", (code, signal) => {
            void queue.then(() => {
                resolve(
                    result ?? [`program process exited with ${signal ?? `code ${code}`} before it finished`],
                );
            });
        });
    });
}

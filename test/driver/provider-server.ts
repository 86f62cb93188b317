// Starts the SDK's dynamic-provider gRPC server (`@pulumi/pulumi/cmd/dynamic-provider`) as a child process the way
// the engine starts the `pulumi-resource-pulumi-nodejs` plugin, and returns a connected client. The server runs
// under dynamic-provider-entry.js, which ends it when the driver's process ends.
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as readline from "readline";

import { killOnDriverExit } from "./child-processes";
import { ProviderClient } from "./provider-client";

const ENTRY_SCRIPT = path.join(__dirname, "dynamic-provider-entry.js");

const STARTUP_TIMEOUT_MS = 30_000;

/**
 * The engine passes its own gRPC address as the only argument. The 3.248.0 server only checks that an argument
 * is present and never dials it, so the driver passes this placeholder instead of running an engine server.
 */
const PLACEHOLDER_ENGINE_ADDRESS = "127.0.0.1:0";

export interface ProviderServerOptions {
    projectRoot: string;
    project: string;
    /** Full stack configuration with namespaced keys and plaintext values, sent as `PULUMI_CONFIG`. */
    config: Record<string, string>;
    env: Record<string, string>;
    /** Receives each line the server writes after its port, prefixed with the stream name. */
    onOutput: (line: string) => void;
}

export class ProviderServer {
    private exited = false;

    private constructor(
        private readonly child: ChildProcess,
        public readonly client: ProviderClient,
        public readonly address: string,
        public readonly scriptPath: string,
    ) {
        child.once("exit", () => {
            this.exited = true;
        });
    }

    static async start(options: ProviderServerOptions): Promise<ProviderServer> {
        const scriptPath = resolveDynamicProviderScript(options.projectRoot);
        // The driver never writes to the server's stdin; the entry script exits when that pipe closes.
        const child = spawn(process.execPath, [ENTRY_SCRIPT, scriptPath, PLACEHOLDER_ENGINE_ADDRESS], {
            cwd: options.projectRoot,
            env: providerEnvironment(options),
            stdio: ["pipe", "pipe", "pipe"],
        });
        killOnDriverExit(child);
        const port = await readPort(child, options.onOutput);
        const address = `127.0.0.1:${port}`;
        return new ProviderServer(child, new ProviderClient(address), address, scriptPath);
    }

    /** Closes the client and stops the server; waits up to 5 s for it to exit before sending SIGKILL. */
    async stop(): Promise<void> {
        this.client.close();
        if (this.exited) {
            return;
        }
        const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
        this.child.kill("SIGTERM");
        const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
    }
}

/** Resolves the server script from the project first, as the plugin shim does with `require.resolve`. */
function resolveDynamicProviderScript(projectRoot: string): string {
    const request = "@pulumi/pulumi/cmd/dynamic-provider";
    try {
        return require.resolve(request, { paths: [projectRoot] });
    } catch {
        return require.resolve(request);
    }
}

/**
 * Environment the engine gives the `pulumi-nodejs` provider plugin (`NewProvider` in the Go SDK's
 * provider_plugin.go): the project name in PULUMI_NODEJS_PROJECT, which the server's `Config` uses to qualify
 * keys without a namespace, and PULUMI_PROJECT and PULUMI_CONFIG.
 * NOTE: the engine source shows that it sets PULUMI_CONFIG but not what the variable contains for this plugin.
 * The driver assumes the full namespaced configuration, the same map that Configure receives.
 */
function providerEnvironment(options: ProviderServerOptions): NodeJS.ProcessEnv {
    return {
        ...process.env,
        ...options.env,
        PULUMI_NODEJS_PROJECT: options.project,
        PULUMI_PROJECT: options.project,
        PULUMI_CONFIG: JSON.stringify(options.config),
    };
}

function readPort(child: ChildProcess, onOutput: (line: string) => void): Promise<number> {
    return new Promise((resolve, reject) => {
        const stderrLines: string[] = [];
        let port: number | undefined;
        const fail = (message: string): void => {
            child.kill("SIGKILL");
            const stderrText = stderrLines.join("\n");
            reject(
                new Error(
                    `dynamic provider server ${message}${stderrText ? `; stderr:\n${stderrText}` : ""}`,
                ),
            );
        };
        const timer = setTimeout(() => {
            fail(`did not print its port within ${STARTUP_TIMEOUT_MS / 1000} s`);
        }, STARTUP_TIMEOUT_MS);

        readline.createInterface({ input: child.stderr! }).on("line", (line) => {
            stderrLines.push(line);
            onOutput(`[provider stderr] ${line}`);
        });
        readline.createInterface({ input: child.stdout! }).on("line", (line) => {
            if (port !== undefined) {
                onOutput(`[provider stdout] ${line}`);
                return;
            }
            port = Number.parseInt(line.trim(), 10);
            clearTimeout(timer);
            if (Number.isInteger(port) && port > 0) {
                resolve(port);
            } else {
                fail(`printed "${line}" where its port was expected`);
            }
        });
        child.once("error", (error) => {
            clearTimeout(timer);
            fail(`could not be started: ${error.message}`);
        });
        child.once("exit", (code, signal) => {
            clearTimeout(timer);
            if (port === undefined) {
                fail(`exited with ${signal ?? `code ${code}`} before printing its port`);
            }
        });
    });
}

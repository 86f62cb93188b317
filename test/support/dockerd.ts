// Starts and stops a private Docker daemon for tests.
//
// The daemon gets its own socket, data root, exec root, pid file, daemon.json and containerd
// namespace under one temporary folder, so it never shares state with the machine's default
// daemon or with another test run. By default it also runs in its own network namespace
// (`unshare --net`): the bridges and veth pairs that bridge networks create then exist only
// there, and the machine's interfaces, routes, sysctls and iptables stay untouched.

import { ChildProcess, spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";

/** Environment variable naming an existing engine (`unix://` URL) to use instead of starting one. */
export const EXISTING_DOCKER_HOST_ENV = "WCN_TEST_DOCKER_HOST";

/** A Docker daemon that tests talk to through a unix socket. */
export interface PrivateDockerd {
    /** Path of the daemon's API socket. */
    readonly socketPath: string;
    /** The socket as a Docker host URL (`unix:///...`). */
    readonly url: string;
    /** True when this process started the daemon, false when it reuses `WCN_TEST_DOCKER_HOST`. */
    readonly ownsDaemon: boolean;
    /** Process id of the daemon that this process started. */
    readonly pid: number | undefined;
    /** Daemon log file (stdout and stderr) of the daemon that this process started. */
    readonly logPath: string | undefined;
    /** Temporary folder that contains the socket, data, exec root and log. */
    readonly tempDir: string | undefined;
    /** Milliseconds from spawning the daemon until `/_ping` returned OK (0 for a reused engine). */
    readonly startupMs: number;
    /** Returns the last lines of the daemon log, or an empty string for a reused engine. */
    readLogTail(maxLines?: number): string;
    /**
     * Stops the daemon that this process started and removes its temporary folder.
     * Does nothing for a reused engine. Safe to call more than once.
     */
    stop(): Promise<void>;
}

export interface PrivateDockerdOptions {
    /**
     * Existing engine to use instead of starting one, as a `unix://` URL. `undefined` reads
     * `WCN_TEST_DOCKER_HOST`, and `null` always starts a private daemon.
     */
    existingHost?: string | null;
    /** dockerd executable. Defaults to the first `dockerd` on PATH, /usr/sbin or /usr/bin. */
    dockerdPath?: string;
    /** Run the daemon in a new network namespace (`unshare --net`). Defaults to true. */
    privateNetworkNamespace?: boolean;
    /** Maximum time to wait for `/_ping` after spawning, in milliseconds. Defaults to 30000. */
    startTimeoutMs?: number;
    /** Maximum time to wait for the daemon to exit after SIGTERM, in milliseconds. Defaults to 20000. */
    stopTimeoutMs?: number;
    /** Parent of the temporary folder. Defaults to `os.tmpdir()`, or /tmp when that path is too long for a socket. */
    tempParent?: string;
    /** Keep the temporary folder (data root and log) after `stop()`, for debugging. */
    keepTempDir?: boolean;
    /** Extra dockerd arguments, appended after the harness's own. */
    extraArgs?: string[];
}

const TEMP_DIR_PREFIX = "wcn-dockerd-";
const DEFAULT_START_TIMEOUT_MS = 30_000;
const DEFAULT_STOP_TIMEOUT_MS = 20_000;
const PING_INTERVAL_MS = 100;
const PING_REQUEST_TIMEOUT_MS = 2_000;
const CONTAINER_CLEANUP_TIMEOUT_MS = 15_000;
const KILL_WAIT_MS = 5_000;
const EXIT_HANDLER_WAIT_MS = 10_000;
// sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH_LENGTH = 107;
// Socket with the maximum path length that dockerd 20.10 creates, relative to the temporary folder.
const MAX_LENGTH_SOCKET_SUFFIX = "/exec/containerd/containerd.sock.ttrpc";

/**
 * Starts a private dockerd on a unix socket under a new temporary folder, or connects to the
 * engine named by `WCN_TEST_DOCKER_HOST`.
 *
 * Throws an Error whose message names what is missing (not Linux, not root, no dockerd or
 * unshare binary) or, when the daemon fails to start, includes the tail of its log.
 */
export async function startPrivateDockerd(options: PrivateDockerdOptions = {}): Promise<PrivateDockerd> {
    const existingHost =
        options.existingHost === undefined ? process.env[EXISTING_DOCKER_HOST_ENV] : options.existingHost;
    if (existingHost !== null && existingHost !== undefined && existingHost !== "") {
        return connectToExistingDockerd(existingHost);
    }

    const privateNetworkNamespace = options.privateNetworkNamespace ?? true;
    checkCanStartDockerd();
    const dockerdPath = options.dockerdPath ?? findExecutable("dockerd");
    if (dockerdPath === undefined) {
        throw new Error(
            "dockerd not found on PATH, /usr/sbin or /usr/bin. Install Debian's docker.io package, as .ci/run does.",
        );
    }
    let unsharePath: string | undefined;
    if (privateNetworkNamespace) {
        unsharePath = findExecutable("unshare");
        if (unsharePath === undefined) {
            throw new Error(
                "unshare not found on PATH, /usr/sbin or /usr/bin. Install Debian's util-linux package, " +
                    "or pass privateNetworkNamespace: false.",
            );
        }
    }

    const tempDir = makeTempDir(options.tempParent);
    const daemon = new OwnedDockerd(tempDir, options);
    try {
        await daemon.start(dockerdPath, unsharePath, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    } catch (error) {
        await daemon.stop();
        throw error;
    }
    return daemon;
}

/** Connects to an existing engine given as a `unix://` URL and checks that it returns `/_ping`. */
export async function connectToExistingDockerd(url: string): Promise<PrivateDockerd> {
    const socketPath = socketPathFromUrl(url);
    try {
        await ping(socketPath);
    } catch (error) {
        throw new Error(
            `engine ${url} (from ${EXISTING_DOCKER_HOST_ENV}) did not return OK for /_ping: ${errorMessage(error)}`,
        );
    }
    return {
        socketPath,
        url,
        ownsDaemon: false,
        pid: undefined,
        logPath: undefined,
        tempDir: undefined,
        startupMs: 0,
        readLogTail: () => "",
        stop: async () => {},
    };
}

/** Returns the socket path of a `unix://` Docker host URL, and throws for any other scheme. */
export function socketPathFromUrl(url: string): string {
    const prefix = "unix://";
    if (!url.startsWith(prefix) || url.length === prefix.length) {
        throw new Error(`invalid Docker host ${JSON.stringify(url)}: expected unix:///path/to/docker.sock`);
    }
    const socketPath = url.slice(prefix.length);
    if (!path.isAbsolute(socketPath)) {
        throw new Error(`invalid Docker host ${JSON.stringify(url)}: the socket path must be absolute`);
    }
    return socketPath;
}

/** Sends GET /_ping over a unix socket and resolves when the engine returns 200 OK. */
export function ping(socketPath: string, timeoutMs = PING_REQUEST_TIMEOUT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
        const request = http.request(
            { socketPath, path: "/_ping", method: "GET", timeout: timeoutMs },
            (response) => {
                let body = "";
                response.setEncoding("utf8");
                response.on("data", (chunk: string) => {
                    body += chunk;
                });
                response.on("end", () => {
                    if (response.statusCode === 200) {
                        resolve();
                    } else {
                        reject(new Error(`/_ping returned HTTP ${response.statusCode}: ${body.trim()}`));
                    }
                });
            },
        );
        request.on("timeout", () => request.destroy(new Error(`/_ping timed out after ${timeoutMs} ms`)));
        request.on("error", reject);
        request.end();
    });
}

class OwnedDockerd implements PrivateDockerd {
    readonly socketPath: string;
    readonly url: string;
    readonly ownsDaemon = true;
    readonly logPath: string;
    startupMs = 0;

    private child: ChildProcess | undefined;
    private exited: Promise<void> = Promise.resolve();
    private exitDescription: string | undefined;
    private stopping: Promise<void> | undefined;
    private readonly stopOnProcessExit = (): void => {
        // Last resort when stop() was not called (the root hook in hooks.ts is not registered). An
        // 'exit' listener cannot await, so this blocks until dockerd exits, and leaves the temporary
        // folder behind if it does not exit in time.
        const pid = this.child?.pid;
        if (pid === undefined || this.exitDescription !== undefined) {
            return;
        }
        signal(pid, "SIGTERM");
        const deadline = Date.now() + EXIT_HANDLER_WAIT_MS;
        while (isRunning(pid) && Date.now() < deadline) {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        }
        if (!isRunning(pid) && !this.options.keepTempDir) {
            unmountUnder(this.tempDir);
            fs.rmSync(this.tempDir, { recursive: true, force: true });
        }
    };

    constructor(
        readonly tempDir: string,
        private readonly options: PrivateDockerdOptions,
    ) {
        this.socketPath = path.join(tempDir, "docker.sock");
        this.url = `unix://${this.socketPath}`;
        this.logPath = path.join(tempDir, "dockerd.log");
    }

    get pid(): number | undefined {
        return this.child?.pid;
    }

    async start(dockerdPath: string, unsharePath: string | undefined, startTimeoutMs: number): Promise<void> {
        const dataRoot = path.join(this.tempDir, "data");
        const execRoot = path.join(this.tempDir, "exec");
        const configFile = path.join(this.tempDir, "daemon.json");
        fs.mkdirSync(dataRoot);
        fs.mkdirSync(execRoot);
        // An explicit empty daemon.json keeps the machine's /etc/docker/daemon.json out of the test daemon.
        fs.writeFileSync(configFile, "{}\n");
        // containerd namespaces allow letters, digits and single [._-] separators.
        const containerdNamespace = `wcn-test-${path
            .basename(this.tempDir)
            .replace(TEMP_DIR_PREFIX, "")
            .replace(/[^A-Za-z0-9]+/g, "-")}`;

        const dockerdArgs = [
            `--host=${this.url}`,
            `--config-file=${configFile}`,
            `--data-root=${dataRoot}`,
            `--exec-root=${execRoot}`,
            `--pidfile=${path.join(this.tempDir, "docker.pid")}`,
            `--containerd-namespace=${containerdNamespace}`,
            `--containerd-plugins-namespace=${containerdNamespace}-plugins`,
            "--bridge=none",
            "--iptables=false",
            "--ip6tables=false",
            "--ip-forward=false",
            "--ip-masq=false",
            "--userland-proxy=false",
            "--shutdown-timeout=2",
            ...(this.options.extraArgs ?? []),
        ];
        const [command, args] =
            unsharePath === undefined
                ? [dockerdPath, dockerdArgs]
                : [unsharePath, ["--net", "--", dockerdPath, ...dockerdArgs]];

        const logFd = fs.openSync(this.logPath, "a");
        const startedAt = Date.now();
        let child: ChildProcess;
        try {
            child = spawn(command, args, { stdio: ["ignore", logFd, logFd] });
        } finally {
            fs.closeSync(logFd);
        }
        this.child = child;
        this.exited = new Promise((resolve) => {
            child.once("exit", (code, signal) => {
                this.exitDescription = signal === null ? `exit code ${code}` : `signal ${signal}`;
                resolve();
            });
            child.once("error", (error) => {
                this.exitDescription = `spawn error: ${error.message}`;
                resolve();
            });
        });
        // The daemon must not keep the test process alive; stop() or the exit handler ends it.
        child.unref();
        process.once("exit", this.stopOnProcessExit);

        const deadline = startedAt + startTimeoutMs;
        let lastError = "no response yet";
        for (;;) {
            if (this.exitDescription !== undefined) {
                throw this.startError(`dockerd exited during startup (${this.exitDescription})`);
            }
            try {
                await ping(this.socketPath);
                this.startupMs = Date.now() - startedAt;
                return;
            } catch (error) {
                lastError = errorMessage(error);
            }
            if (Date.now() >= deadline) {
                throw this.startError(
                    `dockerd did not return OK for /_ping within ${startTimeoutMs} ms (last error: ${lastError})`,
                );
            }
            await delay(PING_INTERVAL_MS);
        }
    }

    readLogTail(maxLines = 40): string {
        try {
            const lines = fs.readFileSync(this.logPath, "utf8").split("\n");
            return lines
                .slice(Math.max(0, lines.length - maxLines - 1))
                .join("\n")
                .trimEnd();
        } catch {
            return "";
        }
    }

    stop(): Promise<void> {
        this.stopping ??= this.stopOnce();
        return this.stopping;
    }

    private async stopOnce(): Promise<void> {
        process.removeListener("exit", this.stopOnProcessExit);
        const child = this.child;
        if (child !== undefined && child.pid !== undefined && this.exitDescription === undefined) {
            // Otherwise dockerd waits --shutdown-timeout for each container whose main process
            // ignores SIGTERM, such as `sleep` as PID 1.
            await withTimeout(removeAllContainers(this.socketPath), CONTAINER_CLEANUP_TIMEOUT_MS).catch(
                () => undefined,
            );
            signal(child.pid, "SIGTERM");
            const stopTimeoutMs = this.options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
            if (!(await resolvesWithin(this.exited, stopTimeoutMs))) {
                signal(child.pid, "SIGKILL");
                await resolvesWithin(this.exited, KILL_WAIT_MS);
            }
        }
        // After a SIGKILL, the shims (and possibly containerd) outlive the daemon.
        await killProcessesReferencing(this.tempDir);
        unmountUnder(this.tempDir);
        if (!this.options.keepTempDir) {
            fs.rmSync(this.tempDir, { recursive: true, force: true });
        }
    }

    private startError(summary: string): Error {
        return new Error(`${summary}\n--- last lines of ${this.logPath} ---\n${this.readLogTail()}`);
    }
}

function checkCanStartDockerd(): void {
    if (process.platform !== "linux") {
        throw new Error(`a private dockerd needs Linux, but this is ${process.platform}`);
    }
    const uid = process.getuid?.();
    if (uid !== 0) {
        throw new Error(`a private dockerd needs root, but this process runs as uid ${uid}`);
    }
}

function findExecutable(name: string): string | undefined {
    const directories = [
        ...(process.env.PATH ?? "").split(path.delimiter),
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
    ];
    for (const directory of directories) {
        if (directory === "") {
            continue;
        }
        const candidate = path.join(directory, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) {
                return candidate;
            }
        } catch {
            // Not in this directory.
        }
    }
    return undefined;
}

function makeTempDir(tempParent: string | undefined): string {
    let parent = tempParent ?? os.tmpdir();
    // mkdtemp appends 6 characters to the prefix.
    const expectedLength =
        path.join(parent, `${TEMP_DIR_PREFIX}XXXXXX`).length + MAX_LENGTH_SOCKET_SUFFIX.length;
    if (expectedLength > MAX_SOCKET_PATH_LENGTH) {
        if (tempParent !== undefined) {
            throw new Error(
                `tempParent ${tempParent} is too long: socket paths under it would exceed ${MAX_SOCKET_PATH_LENGTH} bytes`,
            );
        }
        parent = "/tmp";
    }
    return fs.mkdtempSync(path.join(parent, TEMP_DIR_PREFIX));
}

/** Force-removes every container of the engine, through the API. */
async function removeAllContainers(socketPath: string): Promise<void> {
    const listing = await requestJson(socketPath, "GET", "/containers/json?all=1");
    if (!Array.isArray(listing)) {
        return;
    }
    const ids = listing
        .map((entry: unknown) =>
            typeof entry === "object" && entry !== null ? (entry as { Id?: unknown }).Id : undefined,
        )
        .filter((id): id is string => typeof id === "string");
    await Promise.all(
        ids.map((id) =>
            requestJson(socketPath, "DELETE", `/containers/${id}?force=1&v=1`).catch(() => undefined),
        ),
    );
}

function requestJson(socketPath: string, method: string, requestPath: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
        const request = http.request({ socketPath, method, path: requestPath }, (response) => {
            let body = "";
            response.setEncoding("utf8");
            response.on("data", (chunk: string) => {
                body += chunk;
            });
            response.on("end", () => {
                const status = response.statusCode ?? 0;
                if (status >= 300) {
                    reject(new Error(`${method} ${requestPath} returned HTTP ${status}: ${body.trim()}`));
                    return;
                }
                try {
                    resolve(body === "" ? undefined : JSON.parse(body));
                } catch (error) {
                    reject(error);
                }
            });
        });
        request.on("error", reject);
        request.end();
    });
}

/**
 * Sends SIGKILL to every process whose command line contains `marker` (the daemon's containerd
 * and shims) and to their children, then waits for them to exit. A shim's children are the
 * container init processes, and killing each one ends its whole PID namespace.
 */
async function killProcessesReferencing(marker: string): Promise<void> {
    const processes = listProcesses();
    const owners = processes.filter((entry) => entry.commandLine.includes(marker)).map((entry) => entry.pid);
    const children = processes.filter((entry) => owners.includes(entry.parentPid)).map((entry) => entry.pid);
    const targets = [...children, ...owners];
    for (const pid of targets) {
        signal(pid, "SIGKILL");
    }
    const deadline = Date.now() + KILL_WAIT_MS;
    while (targets.some(isRunning) && Date.now() < deadline) {
        await delay(50);
    }

    const shims = processes
        .filter((entry) => owners.includes(entry.pid))
        .map((entry) => parseShimArguments(entry.commandLine))
        .filter((shim): shim is ShimArguments => shim !== undefined);
    removeShimSockets(shims);
    removeContainerCgroups(shims.map((shim) => shim.id));
}

/** Arguments of a containerd-shim-runc-v2 process: `-namespace NS -id ID -address ADDRESS`. */
interface ShimArguments {
    namespace: string;
    id: string;
    address: string;
}

function parseShimArguments(commandLine: string): ShimArguments | undefined {
    const argv = commandLine.split("\0");
    if (!(argv[0] ?? "").includes("containerd-shim")) {
        return undefined;
    }
    const valueOf = (flag: string): string | undefined => {
        const index = argv.indexOf(flag);
        return index >= 0 ? argv[index + 1] : undefined;
    };
    const namespace = valueOf("-namespace");
    const id = valueOf("-id");
    const address = valueOf("-address");
    if (namespace === undefined || id === undefined || address === undefined) {
        return undefined;
    }
    return { namespace, id, address };
}

/**
 * Removes the sockets of killed shims. containerd 1.6 puts them at
 * /run/containerd/s/<hex sha256 of "ADDRESS/NAMESPACE/ID">, outside the daemon's exec root.
 */
function removeShimSockets(shims: readonly ShimArguments[]): void {
    for (const shim of shims) {
        const digest = createHash("sha256")
            .update(path.join(shim.address, shim.namespace, shim.id))
            .digest("hex");
        fs.rmSync(path.join("/run/containerd/s", digest), { force: true });
    }
}

/**
 * Removes the empty cgroups `docker/ID` that runc created for killed containers, under every
 * cgroup v1 hierarchy and under the cgroup v2 root.
 * NOTE: only dockerd's default cgroupfs parent "docker" is handled. Cgroups under another
 * --cgroup-parent stay behind.
 */
function removeContainerCgroups(containerIds: readonly string[]): void {
    if (containerIds.length === 0) {
        return;
    }
    const cgroupRoot = "/sys/fs/cgroup";
    let hierarchies: string[];
    try {
        hierarchies = [cgroupRoot, ...fs.readdirSync(cgroupRoot).map((name) => path.join(cgroupRoot, name))];
    } catch {
        return;
    }
    for (const hierarchy of hierarchies) {
        for (const id of containerIds) {
            try {
                fs.rmdirSync(path.join(hierarchy, "docker", id));
            } catch {
                // Not in this hierarchy, or already removed.
            }
        }
    }
}

interface ProcessEntry {
    pid: number;
    parentPid: number;
    commandLine: string;
}

function listProcesses(): ProcessEntry[] {
    const entries: ProcessEntry[] = [];
    for (const name of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(name) || Number(name) === process.pid) {
            continue;
        }
        try {
            const commandLine = fs.readFileSync(`/proc/${name}/cmdline`, "utf8");
            entries.push({ pid: Number(name), parentPid: readStat(Number(name)).parentPid, commandLine });
        } catch {
            // The process exited while /proc was read.
        }
    }
    return entries;
}

/** Reads the state letter and parent pid from /proc/PID/stat. */
function readStat(pid: number): { state: string; parentPid: number } {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name in field 2 is in parentheses and may contain spaces, so parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", parentPid: Number(fields[1]) };
}

/** Returns false for a process that has exited, including a zombie that its new parent has not reaped yet. */
function isRunning(pid: number): boolean {
    try {
        return readStat(pid).state !== "Z";
    } catch {
        return false;
    }
}

/**
 * Lazily unmounts whatever is still mounted under `folder` (overlay layers, network namespace
 * files), deepest first, so that removing the folder cannot reach into a mounted file system.
 */
function unmountUnder(folder: string): void {
    let mountInfo: string;
    try {
        mountInfo = fs.readFileSync("/proc/self/mountinfo", "utf8");
    } catch {
        return;
    }
    const prefix = folder.endsWith("/") ? folder : `${folder}/`;
    const mountPoints = mountInfo
        .split("\n")
        .map((line) => line.split(" ")[4])
        .filter((field): field is string => field !== undefined)
        // mountinfo escapes space, tab, newline and backslash as octal.
        .map((field) =>
            field.replace(/\\([0-7]{3})/g, (_match, octal: string) =>
                String.fromCharCode(parseInt(octal, 8)),
            ),
        )
        .filter((mountPoint) => mountPoint.startsWith(prefix))
        .sort((a, b) => b.length - a.length);
    for (const mountPoint of mountPoints) {
        spawnSync("umount", ["--lazy", mountPoint], { stdio: "ignore" });
    }
}

function signal(pid: number, name: NodeJS.Signals): void {
    try {
        process.kill(pid, name);
    } catch {
        // The process has already exited.
    }
}

function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

async function resolvesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
    });
    try {
        return await Promise.race([promise.then(() => true), timedOut]);
    } finally {
        clearTimeout(timer);
    }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    });
    try {
        return await Promise.race([promise, timedOut]);
    } finally {
        clearTimeout(timer);
    }
}

function errorMessage(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

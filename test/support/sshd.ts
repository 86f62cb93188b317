// Starts and stops a private OpenSSH server with pwsh as its `powershell` subsystem, for tests of
// PowerShell remoting over SSH.
//
// The server runs inside a new network namespace (`ip netns add`), reached from the root namespace
// through a veth pair on a private /30, so every packet stays on this machine. Its configuration,
// host key, authorized key, client key pair and known_hosts file live in one temporary folder.
// Only key authentication for root is allowed (`PermitRootLogin prohibit-password`), so no
// system user is created.

import { ChildProcess, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

/** Environment variable naming the pwsh executable that tests use. */
export const PWSH_PATH_ENV = "WCN_PWSH";

/** An SSH server in its own network namespace, and the client files needed to reach it. */
export interface SshHost {
    /** IPv4 address of the server, on the namespace end of the veth pair. */
    readonly address: string;
    /** TCP port the server listens on. */
    readonly port: number;
    /** User name the client logs in as. */
    readonly user: string;
    /** Client private key (OpenSSH format, mode 0600) whose public key the server accepts. */
    readonly keyFile: string;
    /** known_hosts file that contains the server's host key for `address` and `port`. */
    readonly knownHostsFile: string;
    /**
     * A pwsh launcher that `exec`s the real pwsh process, so a signal sent to its process id
     * reaches pwsh itself. The server's `powershell` subsystem runs it, and tests may run it too.
     */
    readonly pwshPath: string;
    /** Name of the network namespace the server runs in. */
    readonly namespace: string;
    /** Temporary folder with the configuration, keys and log. */
    readonly tempDir: string;
    /** Returns the last lines of the server log. */
    readLogTail(maxLines?: number): string;
    /** Stops the server, deletes the namespace and veth pair, and removes the temporary folder. Safe to call more than once. */
    stop(): Promise<void>;
}

export interface SshHostOptions {
    /** pwsh to use for the subsystem. Defaults to {@link findPwsh}. */
    pwshPath?: string;
    /** sshd executable. Defaults to /usr/sbin/sshd. */
    sshdPath?: string;
    /** Port sshd listens on inside the namespace. Defaults to 22. */
    port?: number;
    /** Maximum time to wait until the port accepts connections, in milliseconds. Defaults to 15000. */
    startTimeoutMs?: number;
    /** Keep the temporary folder after `stop()`, for debugging. */
    keepTempDir?: boolean;
}

/** Result of {@link checkSshHostPrerequisites}: whether `startSshHost` can work here, and why not. */
export interface Prerequisites {
    available: boolean;
    reason: string;
}

const DEFAULT_SSHD_PATH = "/usr/sbin/sshd";
const DEFAULT_PORT = 22;
const DEFAULT_START_TIMEOUT_MS = 15_000;
const STOP_WAIT_MS = 5_000;
const PROBE_INTERVAL_MS = 100;
// sshd refuses to start when its privilege separation folder is missing. Debian's init scripts
// create it, but nothing does in a container without an init system.
const PRIVILEGE_SEPARATION_DIR = "/run/sshd";
const USER = "root";

/**
 * Returns whether this machine can run {@link startSshHost}: Linux, root, `ip` with netns
 * support, sshd, ssh-keygen and pwsh. The reason names what is missing.
 */
export function checkSshHostPrerequisites(options: SshHostOptions = {}): Prerequisites {
    if (process.platform !== "linux") {
        return { available: false, reason: `network namespaces need Linux, not ${process.platform}` };
    }
    if (process.getuid?.() !== 0) {
        return { available: false, reason: "creating network namespaces and running sshd needs root" };
    }
    const sshdPath = options.sshdPath ?? DEFAULT_SSHD_PATH;
    if (!isExecutable(sshdPath)) {
        return { available: false, reason: `${sshdPath} not found; install Debian's openssh-server` };
    }
    if (findExecutable("ssh-keygen") === undefined || findExecutable("ssh") === undefined) {
        return { available: false, reason: "ssh or ssh-keygen not found; install Debian's openssh-client" };
    }
    if (findExecutable("ip") === undefined) {
        return { available: false, reason: "ip not found; install Debian's iproute2" };
    }
    const netns = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
    if (netns.status !== 0) {
        return { available: false, reason: `ip netns list failed: ${(netns.stderr ?? "").trim()}` };
    }
    const pwshPath = options.pwshPath ?? findPwsh();
    if (pwshPath === undefined) {
        return {
            available: false,
            reason: `pwsh not found in ${PWSH_PATH_ENV}, ~/.dotnet/tools or PATH; install PowerShell 7`,
        };
    }
    return { available: true, reason: "" };
}

/**
 * Returns the pwsh executable tests use: `WCN_PWSH`, then ~/.dotnet/tools/pwsh (a dotnet global
 * tool), then the first pwsh on PATH. Returns undefined when none exists.
 */
export function findPwsh(): string | undefined {
    const fromEnvironment = process.env[PWSH_PATH_ENV];
    if (fromEnvironment !== undefined && fromEnvironment !== "") {
        return fromEnvironment;
    }
    const dotnetTool = path.join(os.homedir(), ".dotnet", "tools", "pwsh");
    if (isExecutable(dotnetTool)) {
        return dotnetTool;
    }
    return findExecutable("pwsh");
}

/**
 * Starts sshd in a new network namespace and returns how to reach it. Throws an Error that
 * names the failed step (and includes the sshd log when the server does not start), after
 * removing everything it created.
 */
export async function startSshHost(options: SshHostOptions = {}): Promise<SshHost> {
    const prerequisites = checkSshHostPrerequisites(options);
    if (!prerequisites.available) {
        throw new Error(`cannot start an SSH host: ${prerequisites.reason}`);
    }
    const host = new OwnedSshHost(options);
    try {
        await host.start(options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    } catch (error) {
        await host.stop();
        throw error;
    }
    return host;
}

/**
 * Writes a launcher script that runs pwsh with the .NET host directly. A dotnet global tool's
 * `pwsh` is a shim that starts `dotnet pwsh.dll` as a child process and does not pass signals on,
 * so killing the shim leaves pwsh running. The launcher also sets DOTNET_ROOT and PATH, because
 * sshd starts the subsystem with a minimal environment.
 */
export function writePwshLauncher(pwshPath: string, launcherPath: string): void {
    const probe = spawnSync(
        pwshPath,
        ["-NoLogo", "-NoProfile", "-NonInteractive", "-Command", "$PSHOME; [Environment]::ProcessPath"],
        { encoding: "utf8", timeout: 60_000 },
    );
    if (probe.status !== 0) {
        throw new Error(`${pwshPath} failed to print $PSHOME (exit ${probe.status}): ${probe.stderr}`);
    }
    const [psHome, processPath] = probe.stdout.trim().split(/\r?\n/);
    const pwshDll = path.join(psHome, "pwsh.dll");
    let script: string;
    if (fs.existsSync(pwshDll) && path.basename(processPath) === "dotnet") {
        // Framework-dependent pwsh, as the dotnet global tool installs it.
        const dotnetRoot = path.dirname(fs.realpathSync(processPath));
        script =
            "#!/bin/sh\n" +
            `export DOTNET_ROOT=${shellQuote(dotnetRoot)}\n` +
            `export PATH=${shellQuote(dotnetRoot)}:/usr/local/bin:/usr/bin:/bin\n` +
            `exec ${shellQuote(processPath)} ${shellQuote(pwshDll)} "$@"\n`;
    } else {
        // A self-contained pwsh is already the process that runs PowerShell.
        script = "#!/bin/sh\n" + `exec ${shellQuote(processPath)} "$@"\n`;
    }
    fs.writeFileSync(launcherPath, script, { mode: 0o755 });
}

class OwnedSshHost implements SshHost {
    readonly port: number;
    readonly user = USER;
    readonly namespace: string;
    readonly tempDir: string;
    readonly keyFile: string;
    readonly knownHostsFile: string;
    readonly pwshPath: string;
    address = "";

    private readonly options: SshHostOptions;
    private readonly hostVeth: string;
    private readonly namespaceVeth: string;
    private readonly logPath: string;
    private child: ChildProcess | undefined;
    private exited: Promise<void> = Promise.resolve();
    private namespaceCreated = false;
    private vethCreated = false;
    private stopping: Promise<void> | undefined;
    private readonly stopOnProcessExit = (): void => this.stopSynchronously();

    constructor(options: SshHostOptions) {
        this.options = options;
        this.port = options.port ?? DEFAULT_PORT;
        const suffix = randomBytes(4).toString("hex");
        this.namespace = `wcn-ssh-${suffix}`;
        // Interface names are limited to 15 characters.
        this.hostVeth = `wcnh${suffix}`;
        this.namespaceVeth = `wcnn${suffix}`;
        this.tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-sshd-"));
        fs.chmodSync(this.tempDir, 0o700);
        this.keyFile = path.join(this.tempDir, "client_key");
        this.knownHostsFile = path.join(this.tempDir, "known_hosts");
        this.pwshPath = path.join(this.tempDir, "pwsh");
        this.logPath = path.join(this.tempDir, "sshd.log");
    }

    async start(startTimeoutMs: number): Promise<void> {
        process.on("exit", this.stopOnProcessExit);
        writePwshLauncher(this.options.pwshPath ?? (findPwsh() as string), this.pwshPath);
        this.createKeys();
        this.createNetwork();
        this.writeServerConfig();
        this.writeKnownHosts();
        this.spawnServer();
        await this.waitUntilListening(startTimeoutMs);
    }

    readLogTail(maxLines = 40): string {
        try {
            return fs.readFileSync(this.logPath, "utf8").trimEnd().split("\n").slice(-maxLines).join("\n");
        } catch {
            return "";
        }
    }

    stop(): Promise<void> {
        this.stopping ??= this.stopOnce();
        return this.stopping;
    }

    private createKeys(): void {
        run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "wcn-test-host", "-f", this.hostKeyPath()]);
        run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "wcn-test-client", "-f", this.keyFile]);
        fs.copyFileSync(`${this.keyFile}.pub`, this.authorizedKeysPath());
    }

    private createNetwork(): void {
        const subnet = pickFreeSubnet();
        this.address = `${subnet}.2`;
        run("ip", ["netns", "add", this.namespace]);
        this.namespaceCreated = true;
        run("ip", ["link", "add", this.hostVeth, "type", "veth", "peer", "name", this.namespaceVeth]);
        this.vethCreated = true;
        run("ip", ["link", "set", this.namespaceVeth, "netns", this.namespace]);
        run("ip", ["addr", "add", `${subnet}.1/30`, "dev", this.hostVeth]);
        run("ip", ["link", "set", this.hostVeth, "up"]);
        run("ip", ["-n", this.namespace, "addr", "add", `${this.address}/30`, "dev", this.namespaceVeth]);
        run("ip", ["-n", this.namespace, "link", "set", this.namespaceVeth, "up"]);
        run("ip", ["-n", this.namespace, "link", "set", "lo", "up"]);
    }

    private writeServerConfig(): void {
        const lines = [
            `ListenAddress ${this.address}:${this.port}`,
            `HostKey ${this.hostKeyPath()}`,
            `PidFile ${path.join(this.tempDir, "sshd.pid")}`,
            `AuthorizedKeysFile ${this.authorizedKeysPath()}`,
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            // StrictModes would reject authorized_keys here, because /tmp above it is world-writable.
            "StrictModes no",
            "PrintMotd no",
            "LogLevel VERBOSE",
            `Subsystem powershell ${this.pwshPath} -sshs -NoLogo -NoProfile`,
        ];
        fs.writeFileSync(this.configPath(), lines.join("\n") + "\n", { mode: 0o600 });
        fs.mkdirSync(PRIVILEGE_SEPARATION_DIR, { recursive: true, mode: 0o755 });
        run(this.options.sshdPath ?? DEFAULT_SSHD_PATH, ["-t", "-f", this.configPath()]);
    }

    private writeKnownHosts(): void {
        const [keyType, keyData] = fs.readFileSync(`${this.hostKeyPath()}.pub`, "utf8").trim().split(/\s+/);
        const hostPattern = this.port === 22 ? this.address : `[${this.address}]:${this.port}`;
        fs.writeFileSync(this.knownHostsFile, `${hostPattern} ${keyType} ${keyData}\n`, { mode: 0o600 });
    }

    private spawnServer(): void {
        const log = fs.openSync(this.logPath, "a");
        const sshdPath = this.options.sshdPath ?? DEFAULT_SSHD_PATH;
        // sshd re-executes itself and refuses a relative path, so it gets an absolute one.
        this.child = spawn(
            "ip",
            ["netns", "exec", this.namespace, sshdPath, "-D", "-e", "-f", this.configPath()],
            {
                stdio: ["ignore", log, log],
            },
        );
        fs.closeSync(log);
        const child = this.child;
        this.exited = new Promise((resolve) => {
            child.once("exit", () => resolve());
            child.once("error", () => resolve());
        });
    }

    private async waitUntilListening(timeoutMs: number): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
            if (this.child?.exitCode !== null || this.child.signalCode !== null) {
                throw new Error(`sshd exited during startup. Log:\n${this.readLogTail()}`);
            }
            if (await canConnect(this.address, this.port)) {
                return;
            }
            await delay(PROBE_INTERVAL_MS);
        }
        throw new Error(
            `sshd did not accept connections on ${this.address}:${this.port} within ${timeoutMs} ms. ` +
                `Log:\n${this.readLogTail()}`,
        );
    }

    private async stopOnce(): Promise<void> {
        process.removeListener("exit", this.stopOnProcessExit);
        const child = this.child;
        if (child !== undefined && child.exitCode === null && child.signalCode === null) {
            // `ip netns exec` execs sshd, so the child's pid is the listener's pid. Closing the
            // listener leaves session processes running, so the namespace's processes are killed too.
            child.kill("SIGTERM");
            const stopped = await Promise.race([
                this.exited.then(() => true),
                delay(STOP_WAIT_MS).then(() => false),
            ]);
            if (!stopped) {
                child.kill("SIGKILL");
                await this.exited;
            }
        }
        this.removeNetworkAndFiles();
    }

    /** Removes everything without waiting, for a process that exits without calling `stop()`. */
    private stopSynchronously(): void {
        if (this.child?.exitCode === null && this.child.signalCode === null) {
            this.child.kill("SIGKILL");
        }
        this.removeNetworkAndFiles();
    }

    private removeNetworkAndFiles(): void {
        if (this.namespaceCreated) {
            killNamespaceProcesses(this.namespace);
        }
        if (this.vethCreated) {
            // Deleting one end of a veth pair deletes the other.
            spawnSync("ip", ["link", "del", this.hostVeth]);
            this.vethCreated = false;
        }
        if (this.namespaceCreated) {
            spawnSync("ip", ["netns", "del", this.namespace]);
            this.namespaceCreated = false;
        }
        if (!this.options.keepTempDir) {
            fs.rmSync(this.tempDir, { recursive: true, force: true });
        }
    }

    private hostKeyPath(): string {
        return path.join(this.tempDir, "host_key");
    }

    private authorizedKeysPath(): string {
        return path.join(this.tempDir, "authorized_keys");
    }

    private configPath(): string {
        return path.join(this.tempDir, "sshd_config");
    }
}

/** Sends SIGKILL to every process in a network namespace (sshd session processes and their pwsh). */
function killNamespaceProcesses(namespace: string): void {
    const listed = spawnSync("ip", ["netns", "pids", namespace], { encoding: "utf8" });
    for (const line of (listed.stdout ?? "").split("\n")) {
        const pid = Number(line.trim());
        if (Number.isInteger(pid) && pid > 0) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // The process exited after `ip netns pids` listed it.
            }
        }
    }
}

/**
 * Returns the first three octets of a 10.250.N.0/30 that no interface on this machine uses. The
 * prefix is random, so concurrent test processes rarely pick the same one.
 */
function pickFreeSubnet(): string {
    const used = new Set<string>();
    for (const addresses of Object.values(os.networkInterfaces())) {
        for (const address of addresses ?? []) {
            used.add(address.address.split(".").slice(0, 3).join("."));
        }
    }
    for (let attempt = 0; attempt < 64; attempt++) {
        const candidate = `10.250.${randomBytes(1)[0]}`;
        if (!used.has(candidate)) {
            return candidate;
        }
    }
    throw new Error("no free 10.250.N.0/30 subnet for the SSH test host");
}

function canConnect(address: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host: address, port, timeout: 1_000 });
        const finish = (connected: boolean): void => {
            socket.destroy();
            resolve(connected);
        };
        socket.once("connect", () => finish(true));
        socket.once("timeout", () => finish(false));
        socket.once("error", () => finish(false));
    });
}

function run(command: string, args: string[]): void {
    const result = spawnSync(command, args, { encoding: "utf8" });
    if (result.status !== 0) {
        const output = `${result.stderr ?? ""}${result.stdout ?? ""}`.trim();
        throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status}): ${output}`);
    }
}

function findExecutable(name: string): string | undefined {
    const folders = [
        ...(process.env.PATH ?? "").split(path.delimiter),
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
    ];
    for (const folder of folders) {
        if (folder === "") {
            continue;
        }
        const candidate = path.join(folder, name);
        if (isExecutable(candidate)) {
            return candidate;
        }
    }
    return undefined;
}

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

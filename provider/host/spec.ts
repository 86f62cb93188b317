/**
 * How the provider reaches one Windows container host. A host is plain data: it travels as a
 * resource input, so it must never hold a secret. Private keys and passwords are named here by
 * file path or by stack configuration key, and the provider reads them at run time.
 */
export interface HostSpec {
    /** Display name used in messages and ownership labels, for example `web-01`. */
    name: string;
    /** The Docker Engine API endpoint of the host. */
    docker: DockerEndpointSpec;
    /**
     * How the provider runs PowerShell on the host, for the operations the Docker API cannot do
     * (host facts, HNS endpoints, daemon.json, service restarts).
     * @default `{ transport: "simulated" }` for a `sim:` Docker URL; other hosts have no default,
     * so operations that need PowerShell fail until it is set
     */
    powershell?: PowerShellEndpointSpec;
    /**
     * IPv4 address the provider reaches the host at, for example `192.168.50.10`. VSwitchBinding
     * uses it to find the adapter that carries the management connection.
     * @default the IP literal or DNS result of the Docker URL's host, the WinRM endpoint's host or
     * the SSH host. When none gives an address (sim:, npipe://, unix://), every IPv4 address on an
     * adapter is treated as possibly the management one
     */
    address?: string;
}

/**
 * A Docker Engine API endpoint.
 *
 * `url` takes one of these forms:
 * * `tcp://host:2376`: TLS with a client certificate (the usual remote Windows setup);
 * * `ssh://user@host[:port]`: the engine reached through `docker system dial-stdio` over SSH;
 * * `npipe:////./pipe/docker_engine`: the local named pipe, for an agent on the host itself;
 * * `unix:///var/run/docker.sock`: a local socket (Linux engines in tests);
 * * `sim:///abs/path/host.json`: the simulated Windows host whose state is in that file.
 */
export interface DockerEndpointSpec {
    url: string;
    /**
     * Docker Engine API version every request is pinned to. Set it to the lowest engine version
     * in the fleet.
     * @default "1.40"
     */
    apiVersion?: string;
    /**
     * Time limit for each Docker API call, in milliseconds.
     * @default 60000
     */
    timeoutMs?: number;
    /** TLS settings for `tcp://`. TLS is on for `tcp://` unless `tls.disabled` is set. */
    tls?: DockerTlsSpec;
    /** SSH settings for `ssh://`. */
    ssh?: DockerSshSpec;
}

/**
 * TLS material for a `tcp://` endpoint. Each item is a PEM file path or the name of a stack
 * configuration key (`wcn:<key>`, a secret for the private key) read in the provider's configure
 * step. A path or key name is not a secret, so it may sit in inputs and state.
 */
export interface DockerTlsSpec {
    caFile?: string;
    certFile?: string;
    keyFile?: string;
    /** Stack configuration key holding the CA certificate PEM. */
    caConfigKey?: string;
    /** Stack configuration key holding the client certificate PEM. */
    certConfigKey?: string;
    /** Stack configuration key holding the client private key PEM (keep it a secret). */
    keyConfigKey?: string;
    /**
     * Skip server certificate verification. Only for lab hosts: it exposes the connection to
     * interception.
     * @default false
     */
    insecureSkipVerify?: boolean;
    /**
     * Speak plain HTTP to a `tcp://` endpoint. The Docker API then carries full control of the
     * host unauthenticated, so this exists only for isolated labs and tests.
     * @default false
     */
    disabled?: boolean;
}

/** SSH settings for an `ssh://` endpoint. */
export interface DockerSshSpec {
    /** Private key file. */
    keyFile?: string;
    /** Stack configuration key holding the private key PEM (keep it a secret). */
    keyConfigKey?: string;
}

/** The PowerShell channel of a host, by `transport`. */
export type PowerShellEndpointSpec =
    | WinRmPowerShellSpec
    | SshPowerShellSpec
    | LocalPowerShellSpec
    | SimulatedPowerShellSpec;

/**
 * PowerShell through the host's WinRM service. Use https (port 5986) with `basic` or `ntlm`, or
 * http (port 5985) with `ntlm`, which encrypts every message.
 */
export interface WinRmPowerShellSpec {
    transport: "winrm";
    /** WS-Management URL: `https://HOST:5986/wsman` or `http://HOST:5985/wsman`. */
    endpoint: string;
    /** Authentication scheme. `basic` over http needs `allowUnencrypted`. */
    auth: "basic" | "ntlm";
    /** Account name, without the domain for NTLM (put it in `domain`). */
    username: string;
    /**
     * Stack configuration key that contains the password, set with
     * `pulumi config set --secret KEY`. The password itself is never a host input.
     */
    passwordConfigKey: string;
    /**
     * NTLM domain.
     * @default "" (a local account)
     */
    domain?: string;
    /** PEM file of the CA that issued the listener certificate. */
    caFile?: string;
    /** Stack configuration key that contains the PEM text of that CA. */
    caConfigKey?: string;
    /** SHA-256 fingerprint of the listener certificate (hex, colons allowed), in place of a CA. */
    certificateFingerprintSha256?: string;
    /**
     * Permits Basic over plain http, which sends the password in clear text. Only for isolated
     * labs. NTLM over http needs no opt-in, because it encrypts every message.
     * @default false
     */
    allowUnencrypted?: boolean;
}

/**
 * PowerShell remoting over SSH (PowerShell 7 on the host, with a `powershell` subsystem in
 * sshd_config). A local pwsh opens the session. Authentication is by key only.
 */
export interface SshPowerShellSpec {
    transport: "ssh";
    /** Host name or IP address. */
    host: string;
    /**
     * SSH port.
     * @default 22
     */
    port?: number;
    /** User name on the host. */
    user: string;
    /** Private key file. */
    keyFile?: string;
    /** Stack configuration key holding the private key PEM (keep it a secret). */
    keyConfigKey?: string;
    /**
     * known_hosts file with the host's key. Host key checking is always strict.
     * @default the user's ~/.ssh/known_hosts and the system-wide file
     */
    knownHostsFile?: string;
    /**
     * Local pwsh (PowerShell 7) that opens the session.
     * @default "pwsh", looked up in PATH
     */
    pwshPath?: string;
}

/** PowerShell on the machine the provider runs on, for an agent on the Windows host itself. */
export interface LocalPowerShellSpec {
    transport: "local";
    /**
     * PowerShell executable: a path or a name looked up in PATH.
     * @default "powershell.exe" on Windows, "pwsh" elsewhere
     */
    executable?: string;
}

/**
 * The simulated host of the `sim:` Docker URL. Operations run in a local pwsh that imports
 * `WcnSimulatedHost.psm1` on the URL's state file, or, where no pwsh is found, in the TypeScript
 * twins of the scripts.
 */
export interface SimulatedPowerShellSpec {
    transport: "simulated";
}

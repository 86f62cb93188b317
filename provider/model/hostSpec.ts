import type { HostSpec, PowerShellEndpointSpec } from "../host/spec";
import { FailureList } from "./failures";
import { parseSimUrl } from "../simulator/url";
import { parseIpv4 } from "./cidr";
import { containsUnknown } from "./unknown";

const DOCKER_SCHEMES = ["tcp:", "ssh:", "npipe:", "unix:", "sim:"];

/** Adds a failure for every problem in a host specification, under the property path `host`. */
export function validateHostSpec(host: unknown, failures: FailureList): void {
    if (containsUnknown(host)) {
        return;
    }
    if (host === null || typeof host !== "object") {
        failures.add(
            "host",
            "is required: give the host's name and its Docker endpoint, { name, docker: { url } }",
        );
        return;
    }
    const spec = host as Partial<HostSpec>;
    rejectUnknownKeys(spec, "host", HOST_KEYS, failures);
    if (typeof spec.name !== "string" || spec.name.trim() === "") {
        failures.add("host.name", 'is required: a display name for the host, for example "web-01"');
    }
    if (spec.docker === null || typeof spec.docker !== "object") {
        failures.add(
            "host.docker",
            'is required: the host\'s Docker endpoint, for example { url: "tcp://web-01:2376" }',
        );
        return;
    }
    if (spec.address !== undefined && !isIpv4Literal(spec.address)) {
        failures.add(
            "host.address",
            `${JSON.stringify(spec.address)} is not an IPv4 address; give the address the provider reaches the host at, for example "192.168.50.10"`,
        );
    }
    validateDockerEndpoint(spec.docker, failures);
    if (spec.powershell !== undefined) {
        validatePowerShellEndpoint(spec.powershell, spec.docker.url, failures);
    }
}

function validateDockerEndpoint(docker: NonNullable<HostSpec["docker"]>, failures: FailureList): void {
    rejectUnknownKeys(docker, "host.docker", DOCKER_KEYS, failures);
    rejectUnknownKeys(docker.tls, "host.docker.tls", TLS_KEYS, failures);
    rejectUnknownKeys(docker.ssh, "host.docker.ssh", DOCKER_SSH_KEYS, failures);
    const url = docker.url;
    const scheme = typeof url === "string" ? /^[a-z]+:/.exec(url)?.[0] : undefined;
    if (typeof url !== "string" || scheme === undefined || !DOCKER_SCHEMES.includes(scheme)) {
        failures.add(
            "host.docker.url",
            `${JSON.stringify(url)} is not a Docker endpoint; use tcp://HOST:2376, ssh://USER@HOST, ` +
                "npipe:////./pipe/docker_engine, unix:///PATH or sim:///PATH/host.json",
        );
        return;
    }
    if (scheme === "sim:") {
        validateSimUrl(url, failures);
    } else if (hasSecretParts(url)) {
        // The URL is kept in state and quoted in messages, so it is not echoed here.
        failures.add(
            "host.docker.url",
            "must not contain a password or a query string, because host inputs are stored in the state in " +
                "plain text; give ssh:// endpoints a key with ssh.keyFile or ssh.keyConfigKey, and tcp:// endpoints TLS client certificates",
        );
        return;
    }
    if (docker.apiVersion !== undefined && !/^v?1\.\d{1,2}$/.test(docker.apiVersion)) {
        failures.add(
            "host.docker.apiVersion",
            `${JSON.stringify(docker.apiVersion)} is not a Docker API version; use the form "1.40"`,
        );
    }
    if (docker.timeoutMs !== undefined && !(Number.isInteger(docker.timeoutMs) && docker.timeoutMs > 0)) {
        failures.add(
            "host.docker.timeoutMs",
            `${JSON.stringify(docker.timeoutMs)} is not a positive whole number of milliseconds`,
        );
    }
    if (scheme === "tcp:") {
        validateTls(docker, failures);
    }
    if (scheme === "ssh:" && docker.ssh?.keyFile === undefined && docker.ssh?.keyConfigKey === undefined) {
        failures.add(
            "host.docker.ssh",
            "is required for ssh:// endpoints: name the private key with ssh.keyFile or ssh.keyConfigKey",
        );
    }
}

function validateTls(docker: NonNullable<HostSpec["docker"]>, failures: FailureList): void {
    const tls = docker.tls ?? {};
    if (tls.disabled) {
        return;
    }
    const hasCert = tls.certFile !== undefined || tls.certConfigKey !== undefined;
    const hasKey = tls.keyFile !== undefined || tls.keyConfigKey !== undefined;
    if (!hasCert || !hasKey) {
        failures.add(
            "host.docker.tls",
            "needs a client certificate and key for tcp:// endpoints (certFile or certConfigKey, and keyFile or keyConfigKey). " +
                "To speak plain HTTP to an isolated lab engine, set tls.disabled to true",
        );
    }
    const hasCa = tls.caFile !== undefined || tls.caConfigKey !== undefined;
    if (!hasCa && !tls.insecureSkipVerify) {
        failures.add(
            "host.docker.tls",
            "needs the CA that signed the engine's certificate (caFile or caConfigKey), so the engine's identity is verified",
        );
    }
}

function validateSimUrl(url: string, failures: FailureList): void {
    try {
        parseSimUrl(url);
    } catch (error) {
        failures.add(
            "host.docker.url",
            `${(error as Error).message}; for example sim:./.wcn/host.json?profile=ws2022`,
        );
    }
}

const POWERSHELL_TRANSPORTS = ["winrm", "ssh", "local", "simulated"];
const POWERSHELL_EXAMPLE =
    '{ transport: "winrm", endpoint: "https://web-01:5986/wsman", auth: "ntlm", username: "wcn", ' +
    'passwordConfigKey: "web01Password" }';
// The characters SshRunner accepts, so that ssh cannot read a host or user as an option.
const SSH_HOST_PATTERN = /^[A-Za-z0-9._:%-]+$/;
const SSH_USER_PATTERN = /^[A-Za-z0-9._\\-][A-Za-z0-9._@\\$-]*$/;

type Fields = Record<string, unknown>;

/** Adds a failure for every problem in `host.powershell`. `dockerUrl` decides whether `simulated` fits. */
function validatePowerShellEndpoint(powershell: unknown, dockerUrl: unknown, failures: FailureList): void {
    if (powershell === null || typeof powershell !== "object" || Array.isArray(powershell)) {
        failures.add("host.powershell", `must be an object, for example ${POWERSHELL_EXAMPLE}`);
        return;
    }
    const fields = powershell as Fields;
    const transport = fields.transport;
    if (typeof transport !== "string" || !POWERSHELL_TRANSPORTS.includes(transport)) {
        failures.add(
            "host.powershell.transport",
            `${JSON.stringify(transport)} is not a PowerShell transport; use one of ` +
                `${POWERSHELL_TRANSPORTS.map((name) => `"${name}"`).join(", ")}`,
        );
        return;
    }
    rejectPasswordField(fields, failures);
    rejectUnknownKeys(fields, "host.powershell", POWERSHELL_KEYS[transport] ?? [], failures, ["password"]);
    switch (transport as PowerShellEndpointSpec["transport"]) {
        case "winrm":
            validateWinRm(fields, failures);
            break;
        case "ssh":
            validateSsh(fields, failures);
            break;
        case "local":
            validateOptionalString(fields, "executable", failures);
            break;
        case "simulated":
            if (typeof dockerUrl === "string" && !dockerUrl.startsWith("sim:")) {
                failures.add(
                    "host.powershell.transport",
                    `"simulated" needs a sim: Docker URL, because the simulated host is the URL's state file, ` +
                        `but host.docker.url is a ${/^[a-z]+:/.exec(dockerUrl)?.[0] ?? "non-sim:"} URL; use "winrm", "ssh" or "local" for a real host`,
                );
            }
            break;
    }
}

/** A password must come from the stack configuration, so that it never sits in inputs or state. */
function rejectPasswordField(fields: Fields, failures: FailureList): void {
    if (fields.password === undefined) {
        return;
    }
    failures.add(
        "host.powershell.password",
        "is not accepted, because host inputs are stored in the state in plain text. Store the password " +
            "with `pulumi config set --secret KEY` and name KEY in host.powershell.passwordConfigKey",
    );
}

function validateWinRm(fields: Fields, failures: FailureList): void {
    const scheme = validateWinRmEndpoint(fields.endpoint, failures);
    if (fields.auth !== "basic" && fields.auth !== "ntlm") {
        failures.add(
            "host.powershell.auth",
            `${JSON.stringify(fields.auth)} is not a WinRM authentication scheme; use "basic" or "ntlm"`,
        );
    }
    requireString(fields, "username", 'the account that runs the scripts, for example "wcn"', failures);
    requireString(
        fields,
        "passwordConfigKey",
        "the stack configuration key that contains the password, set with " +
            "`pulumi config set --secret KEY` (a password field is not accepted)",
        failures,
    );

    validateOptionalString(fields, "domain", failures);
    validateOptionalString(fields, "caFile", failures);
    validateOptionalString(fields, "caConfigKey", failures);
    if (fields.caFile !== undefined && fields.caConfigKey !== undefined) {
        failures.add("host.powershell.caConfigKey", "and caFile are both set; name the CA once");
    }

    const fingerprint = fields.certificateFingerprintSha256;
    if (fingerprint !== undefined && !isSha256Fingerprint(fingerprint)) {
        failures.add(
            "host.powershell.certificateFingerprintSha256",
            `${JSON.stringify(fingerprint)} is not a SHA-256 fingerprint; give 64 hex digits, colons allowed`,
        );
    }
    if (fields.allowUnencrypted !== undefined && typeof fields.allowUnencrypted !== "boolean") {
        failures.add(
            "host.powershell.allowUnencrypted",
            `${JSON.stringify(fields.allowUnencrypted)} is not a boolean; use true or false`,
        );
    }

    if (scheme === "http:" && fields.auth === "basic" && fields.allowUnencrypted !== true) {
        failures.add(
            "host.powershell.auth",
            '"basic" over http is rejected, because Basic over HTTP sends the password in the clear. ' +
                'Use an https://HOST:5986/wsman endpoint, or auth "ntlm", which encrypts every message; ' +
                "for an isolated lab only, set allowUnencrypted to true",
        );
    }
}

/** Checks the WS-Management URL and returns its scheme when it is http or https. */
function validateWinRmEndpoint(endpoint: unknown, failures: FailureList): string | undefined {
    const example = "use https://HOST:5986/wsman, or http://HOST:5985/wsman with NTLM";
    let url: URL | undefined;
    try {
        url = typeof endpoint === "string" ? new URL(endpoint) : undefined;
    } catch {
        url = undefined;
    }
    if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:") || url.hostname === "") {
        failures.add(
            "host.powershell.endpoint",
            `${JSON.stringify(endpoint)} is not a WinRM endpoint URL; ${example}`,
        );
        return undefined;
    }
    const text = endpoint as string;
    if (url.username !== "" || url.password !== "") {
        failures.add(
            "host.powershell.endpoint",
            "must not contain credentials; name the user in username and the password in passwordConfigKey",
        );
    }
    if (url.pathname !== "/wsman") {
        failures.add(
            "host.powershell.endpoint",
            `${JSON.stringify(text)} has the path ${JSON.stringify(url.pathname)}, but WinRM listens on /wsman; ${example}`,
        );
    }
    const swapped =
        (url.protocol === "https:" && url.port === "5985") ||
        (url.protocol === "http:" && url.port === "5986");
    if (swapped) {
        failures.add(
            "host.powershell.endpoint",
            `${JSON.stringify(text)} uses port ${url.port}, which is WinRM's ` +
                `${url.port === "5985" ? "http" : "https"} port; ${example}`,
        );
    }
    return url.protocol;
}

function validateSsh(fields: Fields, failures: FailureList): void {
    if (typeof fields.host !== "string" || !SSH_HOST_PATTERN.test(fields.host)) {
        failures.add(
            "host.powershell.host",
            `${JSON.stringify(fields.host)} is not a host name or IP address; for example "web-01.corp.example.com"`,
        );
    }
    const port = fields.port;
    if (
        port !== undefined &&
        !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)
    ) {
        failures.add("host.powershell.port", `${JSON.stringify(port)} is not a TCP port; use 1 to 65535`);
    }
    if (typeof fields.user !== "string" || !SSH_USER_PATTERN.test(fields.user)) {
        failures.add(
            "host.powershell.user",
            `${JSON.stringify(fields.user)} is not a user name; for example "wcn" or "CORP\\wcn"`,
        );
    }
    validateOptionalString(fields, "keyFile", failures);
    validateOptionalString(fields, "keyConfigKey", failures);
    if (fields.keyFile === undefined && fields.keyConfigKey === undefined) {
        failures.add(
            "host.powershell.keyFile",
            "is required for ssh (or keyConfigKey): PowerShell over SSH uses key authentication only",
        );
    }
    if (fields.keyFile !== undefined && fields.keyConfigKey !== undefined) {
        failures.add("host.powershell.keyConfigKey", "and keyFile are both set; name the private key once");
    }
    validateOptionalString(fields, "knownHostsFile", failures);
    validateOptionalString(fields, "pwshPath", failures);
}

function requireString(fields: Fields, name: string, description: string, failures: FailureList): void {
    const value = fields[name];
    if (typeof value !== "string" || value.trim() === "") {
        failures.add(`host.powershell.${name}`, `is required: ${description}`);
    }
}

function validateOptionalString(fields: Fields, name: string, failures: FailureList): void {
    const value = fields[name];
    if (value !== undefined && (typeof value !== "string" || value.trim() === "")) {
        failures.add(`host.powershell.${name}`, `${JSON.stringify(value)} is not a non-empty string`);
    }
}

function isSha256Fingerprint(value: unknown): boolean {
    return typeof value === "string" && /^[0-9A-Fa-f]{64}$/.test(value.replace(/:/g, ""));
}

function isIpv4Literal(value: unknown): boolean {
    return typeof value === "string" && parseIpv4(value) !== undefined;
}

/** Returns true when a Docker URL carries a password (`user:password@`) or a query string. */
function hasSecretParts(url: string): boolean {
    const authority = /^[a-z]+:\/\/([^/?#]*)/.exec(url)?.[1] ?? "";
    const userInfo = authority.includes("@") ? authority.slice(0, authority.lastIndexOf("@")) : "";
    return userInfo.includes(":") || url.includes("?");
}

/** Settings each part of a host accepts; anything else is refused, because it would sit in state. */
const HOST_KEYS = ["name", "docker", "powershell", "address"];
const DOCKER_KEYS = ["url", "apiVersion", "timeoutMs", "tls", "ssh"];
const TLS_KEYS = [
    "caFile",
    "certFile",
    "keyFile",
    "caConfigKey",
    "certConfigKey",
    "keyConfigKey",
    "insecureSkipVerify",
    "disabled",
];
const DOCKER_SSH_KEYS = ["keyFile", "keyConfigKey"];
const POWERSHELL_KEYS: Record<string, string[]> = {
    winrm: [
        "transport",
        "endpoint",
        "auth",
        "username",
        "passwordConfigKey",
        "domain",
        "caFile",
        "caConfigKey",
        "certificateFingerprintSha256",
        "allowUnencrypted",
    ],
    ssh: ["transport", "host", "port", "user", "keyFile", "keyConfigKey", "knownHostsFile", "pwshPath"],
    local: ["transport", "executable"],
    simulated: ["transport"],
};

/**
 * Adds a failure for each key of `value` that `allowed` does not list, naming the key but never its
 * value, which could be a secret put in the wrong place. `reported` keys have their own message.
 */
function rejectUnknownKeys(
    value: unknown,
    path: string,
    allowed: readonly string[],
    failures: FailureList,
    reported: readonly string[] = [],
): void {
    if (value === null || typeof value !== "object" || Array.isArray(value) || containsUnknown(value)) {
        return;
    }
    for (const key of Object.keys(value)) {
        if (!allowed.includes(key) && !reported.includes(key)) {
            failures.add(
                `${path}.${key}`,
                `is not a setting of ${path}; use ${allowed.join(", ")}. Secrets belong in stack configuration, named by a *ConfigKey setting`,
            );
        }
    }
}
